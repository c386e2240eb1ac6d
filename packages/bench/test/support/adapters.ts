/**
 * The client adapters' test cases and the server they run against, shared by
 * the smoke test `npm test` runs (harness.test.ts) and the full matrix of
 * `npm run test:bench` (adapters/matrix.test.ts).
 */
import { expect } from "vitest"
import type { ClientId } from "../../src/clients/registry.js"
import { prepareLauncher } from "../../src/harness/build.js"
import type { Launcher } from "../../src/harness/fork.js"
import { runClient } from "../../src/harness/run-client.js"
import { targetFor } from "../../src/harness/target.js"
import { scenarios } from "../../src/scenarios.js"
import type { Scenario, Variant } from "../../src/scenarios.js"
import { startConnectProxy } from "../../src/servers/connect-proxy.js"
import { startServer } from "../../src/servers/start.js"
import type { BenchServer } from "../../src/servers/types.js"

/** A handful of requests per adapter, in every setting a scenario uses it with (download size aside). */
export interface AdapterCase {
  readonly name: string
  readonly client: ClientId
  readonly scenario: Scenario
  readonly variant: Variant
}

const small = (variant: Variant): Variant => ({
  ...variant,
  concurrency: Math.min(variant.concurrency, 4),
  connections: variant.pipelining > 1 ? 2 : Math.min(variant.connections, 4),
  pipelining: Math.min(variant.pipelining, 2)
})

export const adapterCases: ReadonlyArray<AdapterCase> = (() => {
  const cases = new Map<string, AdapterCase>()
  for (const scenario of scenarios) {
    const [variant] = scenario.variants
    if (variant === undefined) continue
    const setting = [
      scenario.transport,
      scenario.exchange.method,
      variant.pipelining > 1 ? "pipelined" : "",
      scenario.origins > 1 ? `${scenario.origins} origins` : "",
      scenario.shape === "fresh-client" ? "fresh client per iteration" : "",
      scenario.shape === "burst" ? "bursts on one client" : ""
    ]
      .filter((part) => part !== "")
      .join(", ")
    for (const client of scenario.clients) {
      const name = `${client}: ${setting}`
      if (!cases.has(name)) cases.set(name, { name, client, scenario, variant: small(variant) })
    }
  }
  return [...cases.values()]
})()

/** The harness's Node server, with the CONNECT proxy the proxied scenarios go through, and how clients are launched. */
export interface Harness {
  readonly server: BenchServer
  readonly launcher: Launcher
}

/**
 * Starts what `npm run bench` starts: client processes on plain node start in
 * a fraction of the time tsx needs to load Effect; if the build fails, the
 * sources are run instead.
 */
export const startHarness = async (): Promise<Harness> => {
  const launcher = (await prepareLauncher()).launcher
  const started = (await startServer("node", launcher)).server
  // The proxied scenarios' clients go through a CONNECT proxy, as `npm run bench` starts one for them.
  const proxy = await startConnectProxy()
  const server: BenchServer = {
    ...started,
    proxy: proxy.url,
    stop: async () => {
      await proxy.stop()
      await started.stop()
    }
  }
  return { server, launcher }
}

/** How long starting the harness may take: `tsc -b` of the bench and the packages it references, then the server. */
export const harnessStartTimeout = 120_000

/**
 * How long one case may take: a client process started and run to its
 * budget, under the runner's own 30-second deadline.
 */
export const adapterCaseTimeout = 60_000

/** Runs the case's client in its own process and checks what it and the server counted. */
export const expectAdapterCompletes = async (
  { server, launcher }: Harness,
  { client, scenario, variant }: AdapterCase
): Promise<void> => {
  const fresh = scenario.shape === "fresh-client"
  // Fresh-client and burst budgets count requests: two iterations to warm up, three measured.
  const perIteration = scenario.shape === "steady" ? 1 : variant.concurrency
  const measured = (scenario.shape === "steady" ? 10 : 3) * perIteration
  const outcome = await runClient(launcher, server, {
    client,
    target: targetFor(server, scenario, variant),
    shape: scenario.shape,
    warmup: { minRequests: 2 * perIteration, minMs: 0 },
    measure: { minRequests: measured, minMs: 0 },
    timeoutMs: 30_000
  })
  // The reason is part of the expectation so that a failing adapter explains itself.
  expect(outcome.ok ? "ok" : outcome.reason).toBe("ok")
  if (!outcome.ok) return
  const { sample } = outcome
  const total = sample.warmupRequests + sample.requests
  expect(sample.requests).toBe(measured)
  expect(sample.serverRequests).toBe(total)
  expect(sample.clients).toBe(fresh ? 5 : 1)
  expect(sample.connections).toBeGreaterThan(0)
  expect(sample.connections).toBeLessThanOrEqual(total)
  expect(sample.p50Us).toBeGreaterThan(0)
  expect(sample.maxRssKiB).toBeGreaterThan(0)
}
