import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { clients, isClientId } from "../src/clients/registry.js"
import type { ClientId } from "../src/clients/registry.js"
import { sourceLauncher } from "../src/harness/fork.js"
import { runClient } from "../src/harness/run-client.js"
import type { ScenarioResult } from "../src/harness/runner.js"
import { markdown } from "../src/report/markdown.js"
import { scenarioSvg } from "../src/report/svg.js"
import type { BenchReport } from "../src/report/types.js"
import { resources } from "../src/servers/resources.js"
import { startServer } from "../src/servers/start.js"
import type { BenchServer } from "../src/servers/types.js"

const clientIds: ReadonlyArray<ClientId> = Object.keys(clients).filter(isClientId)

describe("client adapters against the harness's Node server", () => {
  let server: BenchServer
  beforeAll(async () => {
    server = (await startServer("node", sourceLauncher)).server
  })
  afterAll(() => server.stop())

  it.each(clientIds)("%s completes its requests in its own process", async (client) => {
    const outcome = await runClient(sourceLauncher, server, {
      client,
      target: {
        url: `http://${server.host}:${server.port}${resources["1k"].path}`,
        host: server.host,
        port: server.port,
        path: resources["1k"].path,
        expectedBytes: resources["1k"].bytes,
        concurrency: 4
      },
      warmup: { minRequests: 4, minMs: 0 },
      measure: { minRequests: 20, minMs: 0 },
      timeoutMs: 30_000
    })
    // The reason is part of the expectation so that a failing adapter explains itself.
    expect(outcome.ok ? "ok" : outcome.reason).toBe("ok")
    if (!outcome.ok) return
    expect(outcome.sample.warmupRequests).toBe(4)
    expect(outcome.sample.requests).toBe(20)
    expect(outcome.sample.serverRequests).toBe(24)
    expect(outcome.sample.connections).toBeGreaterThan(0)
    expect(outcome.sample.connections).toBeLessThanOrEqual(24)
    expect(outcome.sample.p50Us).toBeGreaterThan(0)
    expect(outcome.sample.maxRssKiB).toBeGreaterThan(0)
  })
})

describe("report", () => {
  const figure = (median: number) => ({ median, min: median, max: median })
  const sample = {
    warmupRequests: 10,
    requests: 100,
    elapsedNs: 1e7,
    cpuUserUs: 1500,
    cpuSystemUs: 500,
    p50Us: 10,
    p99Us: 20,
    maxRssKiB: 81_920,
    connections: 1,
    serverRequests: 110
  }
  const ok = (client: "undici-pool" | "floor", cpu: number) => ({
    client,
    label: clients[client].label,
    samples: [sample],
    figures: {
      reqPerSec: figure(10_000),
      cpuUsPerReq: figure(cpu),
      p50Us: figure(10),
      p99Us: figure(20),
      peakRssMiB: figure(80),
      connections: figure(1)
    },
    failure: undefined,
    warnings: []
  })
  const scenario: ScenarioResult = {
    id: "example",
    title: "Example",
    protocol: "http/1.1",
    resource: resources["1k"],
    variants: [
      {
        id: "c1",
        concurrency: 1,
        budget: { warmup: { minRequests: 10, minMs: 0 }, measure: { minRequests: 100, minMs: 0 } },
        rounds: 1,
        results: [
          {
            client: "effect-requests",
            label: clients["effect-requests"].label,
            samples: [],
            figures: undefined,
            failure: "load: Cannot find module | somewhere\n    at stack frame",
            warnings: []
          },
          ok("undici-pool", 20),
          ok("floor", 10)
        ]
      }
    ]
  }
  const report: BenchReport = {
    environment: {
      date: "2026-01-01T00:00:00.000Z",
      machine: { cpu: "cpu", cores: 2, memoryGiB: 4, os: "os", node: "v20", nodeUndici: "6" },
      packages: { undici: "7" },
      git: "abc"
    },
    mode: "quick",
    rounds: 1,
    build: { launcher: "source", note: "sources under tsx" },
    server: { kind: "node", description: "node:http", note: undefined },
    loadAverage: { before: [0, 0, 0], after: [0, 0, 0] },
    durationSeconds: 1,
    scenarios: [scenario]
  }

  it("shows a client that failed as a row with its reason instead of aborting", () => {
    const text = markdown(report)
    expect(text).toContain(
      "| effect-requests (HttpClient) | failed: load: Cannot find module \\| somewhere |"
    )
    expect(text).not.toContain("stack frame")
  })

  it("gives every figure as a ratio to undici and to the floor", () => {
    expect(markdown(report)).toContain("| undici Pool | 10,000 (1.00, 1.00) | 20.0 (1.00, 2.00) |")
  })

  it("draws a bar per client and marks failures in the chart", () => {
    const svg = scenarioSvg(scenario, "subtitle")
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg.match(/<rect /g)?.length).toBe(1 + 2 * 2)
    expect(svg).toContain(">failed<")
  })
})
