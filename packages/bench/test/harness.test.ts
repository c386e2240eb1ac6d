import { HttpClient } from "@effect/platform"
import { Requests } from "@effect-requests/client"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectProtocol } from "../src/clients/effect-requests-protocol.js"
import { clients } from "../src/clients/registry.js"
import type { ClientId } from "../src/clients/registry.js"
import { parseOptions } from "../src/harness/options.js"
import type { ScenarioResult } from "../src/harness/runner.js"
import { comparisonLine, markdown } from "../src/report/markdown.js"
import { readmeTable } from "../src/report/readme-table.js"
import { scenarioSvg } from "../src/report/svg.js"
import type { BenchReport } from "../src/report/types.js"
import { download, resources } from "../src/servers/resources.js"
import {
  adapterCases,
  adapterCaseTimeout,
  expectAdapterCompletes,
  type Harness,
  harnessStartTimeout,
  startHarness
} from "./support/adapters.js"

/** The one adapter case `npm test` runs; `npm run test:bench` runs them all (adapters/matrix.test.ts). */
const smoke = adapterCases.find((entry) => entry.client === "effect-requests-http1")!

describe("client adapters against the harness's Node server", () => {
  let harness: Harness
  // Builds the bench with tsc -b first, as `npm run bench` does.
  beforeAll(async () => {
    harness = await startHarness()
  }, harnessStartTimeout)
  afterAll(() => harness.server.stop())

  it("covers every client of the registry", () => {
    const covered = new Set<string>(adapterCases.map((entry) => entry.client))
    expect(Object.keys(clients).filter((client) => !covered.has(client))).toEqual([])
  })

  it(
    `${smoke.name} completes its requests in its own process`,
    () => expectAdapterCompletes(harness, smoke),
    adapterCaseTimeout
  )

  it("serves both protocols where it offers both, and tells which one an effect-requests client used", async () => {
    const { server } = harness
    const used = (protocol: "http1" | "auto") =>
      HttpClient.get(`https://${server.host}:${server.listeners.alpn}${resources["1k"].path}`).pipe(
        Effect.flatMap((response) => response.arrayBuffer),
        Effect.zipRight(Effect.either(expectProtocol("h2"))),
        Effect.provide(Requests.layer({ protocol, tls: { ca: server.ca } })),
        Effect.runPromise
      )
    const overHttp1 = await used("http1")
    expect(Either.isLeft(overHttp1) ? overHttp1.left.message : "no failure").toContain(
      "expected h2 only, the client used 1 HTTP/1.1 and 0 HTTP/2 connections"
    )
    expect(Either.isRight(await used("auto"))).toBe(true)
  })
})

describe("options", () => {
  it("runs h1 and HTTP/2 at 50 and a first-request scenario in quick mode, naming what it skips", () => {
    const quick = parseOptions(["--quick"])
    const run = quick.planned.flatMap(({ scenario, variants }) =>
      variants.map((variant) => `${scenario.id} ${variant.id}`)
    )
    expect(run).toEqual(expect.arrayContaining(["h1-keepalive-get-1k c50", "h2-get-1k c50"]))
    expect(quick.planned.some(({ scenario }) => scenario.shape === "fresh-client")).toBe(true)
    expect(quick.skipped).toContain("h1-keepalive-get-1k c1")
    expect(quick.skipped).toEqual(expect.arrayContaining(["router-get-1k c50", "router-burst-100 c100"]))
    expect(parseOptions(["--full"]).skipped).toEqual([])
  })

  it("runs the drivers' rows on their own, without replacing the full run's results", () => {
    const drivers = parseOptions(["--full", "--scenario", "h1-drivers-get-1k"])
    expect(
      drivers.planned.flatMap(({ scenario, variants }) =>
        variants.map((variant) => `${scenario.id} ${variant.id}`)
      )
    ).toEqual(["h1-drivers-get-1k c50"])
    expect(drivers.planned[0]?.scenario.clients).toEqual([
      "effect-requests-http1",
      "effect-requests-http1-per-request",
      "effect-undici",
      "effect-undici-per-request",
      "undici-pool",
      "floor"
    ])
    expect(drivers.outDir).toMatch(/results\/tmp\/partial$/)
    expect(parseOptions(["--full"]).outDir).toMatch(/results$/)
  })
})

describe("report", () => {
  const figure = (median: number) => ({ median, min: median, max: median })
  const sample = {
    clients: 1,
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
  const ok = (client: ClientId, cpu: number) => ({
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
    transport: "http",
    shape: "steady",
    exchange: download(resources["1k"]),
    origins: 1,
    baseline: "undici-pool",
    floor: "floor",
    variants: [
      {
        id: "c1",
        concurrency: 1,
        connections: 1,
        pipelining: 1,
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
    skipped: ["example c50"],
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

  it("takes each scenario's own baseline and floor: undici allowH2 and node:http2 for HTTP/2", () => {
    const [variant] = scenario.variants
    if (variant === undefined) throw new Error("fixture without a variant")
    const http2: ScenarioResult = {
      ...scenario,
      transport: "h2",
      baseline: "undici-h2",
      floor: "floor-h2",
      variants: [
        { ...variant, results: [ok("effect-requests-h2", 30), ok("undici-h2", 60), ok("floor-h2", 20)] }
      ]
    }
    const text = markdown({ ...report, scenarios: [http2] })
    expect(text).toContain(`Ratios: ÷ ${clients["undici-h2"].label}, ÷ ${clients["floor-h2"].label}.`)
    expect(text).toContain(
      `| ${clients["effect-requests-h2"].label} | 10,000 (1.00, 1.00) | 30.0 (0.50, 1.50) |`
    )
  })

  it("lists what quick mode left out", () => {
    expect(markdown(report)).toContain("- Not run (quick mode): example c50")
  })

  it("writes the README summary with CPU and throughput ratios, the setting and how to reproduce", () => {
    const text = readmeTable(report)
    expect(text).toContain("Latest quick run: 2026-01-01")
    expect(text).toContain("| undici Pool | 20.0 (1.00, 2.00) | 10,000 (1.00, 1.00) |")
    expect(text).toContain(
      "| effect-requests (HttpClient) | failed: load: Cannot find module \\| somewhere | – |"
    )
    expect(text).toContain("[chart](results/example.svg)")
    expect(text).toContain("npm run bench")
  })

  const [firstVariant] = scenario.variants
  if (firstVariant === undefined) throw new Error("fixture without a variant")
  const withCpu = (client: ClientId, cpuUs: ReadonlyArray<number>) => ({
    ...ok(client, cpuUs[0] ?? 0),
    samples: cpuUs.map((cpu) => ({ ...sample, cpuUserUs: cpu * sample.requests, cpuSystemUs: 0 }))
  })
  const router: ScenarioResult = {
    ...scenario,
    id: "router",
    transport: "alpn",
    shape: "burst",
    baseline: "effect-requests-h2",
    floor: "floor-h2",
    variants: [
      {
        ...firstVariant,
        rounds: 3,
        results: [
          withCpu("effect-requests-auto", [103, 99, 110]),
          withCpu("effect-requests-h2", [100, 100, 100]),
          ok("floor-h2", 50)
        ]
      }
    ],
    comparisons: [
      {
        client: "effect-requests-auto",
        against: "effect-requests-h2",
        figure: "cpuUsPerReq",
        claim: { below: 1.05, text: "the router adds under 5%" }
      }
    ]
  }

  it("divides two clients' figures round by round and counts the rounds that bear out a claim", () => {
    const [variant] = router.variants
    const comparison = router.comparisons?.[0]
    if (variant === undefined || comparison === undefined) throw new Error("fixture without a comparison")
    const line = comparisonLine(router, variant, comparison)
    expect(line).toContain("CPU µs/req, round by round: 1.030, 0.990, 1.100; median 1.030, range 0.990–1.100")
    expect(line).toContain("holds in 2 of 3 rounds")
    expect(markdown({ ...report, scenarios: [router] })).toContain(line)
  })

  it("shows the ratios alone where a comparison states no claim, in both reports", () => {
    const [variant] = router.variants
    if (variant === undefined) throw new Error("fixture without a variant")
    const unclaimed = {
      client: "effect-requests-auto",
      against: "effect-requests-h2",
      figure: "cpuUsPerReq"
    } as const
    const line = comparisonLine(router, variant, unclaimed)
    expect(line).toContain("round by round: 1.030, 0.990, 1.100; median 1.030, range 0.990–1.100.")
    expect(line).not.toContain("Claim")
    const text = readmeTable({ ...report, scenarios: [{ ...router, comparisons: [unclaimed] }] })
    expect(text).toContain(`- 1 conc.: ${line}`)
  })

  it("reads burst latencies as whole bursts and shows their connections", () => {
    expect(markdown({ ...report, scenarios: [router] })).toContain("| burst p50 µs | burst p99 µs |")
    const text = readmeTable({ ...report, scenarios: [router] })
    expect(text).toContain(
      "| client | 1 conc. CPU µs/req | 1 conc. burst p50 µs | 1 conc. burst p99 µs | 1 conc. conns |"
    )
    expect(text).toContain(
      `| ${clients["floor-h2"].label} | 50.0 (0.50, 1.00) | 10.0 (1.00, 1.00) | 20.0 (1.00, 1.00) | 1 |`
    )
  })

  it("draws a bar per client and marks failures in the chart", () => {
    const svg = scenarioSvg(scenario, "subtitle")
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg.match(/<rect /g)?.length).toBe(1 + 2 * 2)
    expect(svg).toContain(">failed<")
  })
})
