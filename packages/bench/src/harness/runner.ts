import { clients } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import type { Budget, Mode, Scenario } from "../scenarios.js"
import type { BenchServer } from "../servers/types.js"
import type { Launcher } from "./fork.js"
import { runClient } from "./run-client.js"
import type { Sample } from "./run-client.js"
import { summarize } from "./stats.js"
import type { Summary } from "./stats.js"

export interface Figures {
  readonly reqPerSec: Summary
  readonly cpuUsPerReq: Summary
  readonly p50Us: Summary
  readonly p99Us: Summary
  readonly peakRssMiB: Summary
  readonly connections: Summary
}

export interface ClientResult {
  readonly client: ClientId
  readonly label: string
  readonly samples: ReadonlyArray<Sample>
  /** Medians over the rounds; absent when the client failed. */
  readonly figures: Figures | undefined
  readonly failure: string | undefined
  readonly warnings: ReadonlyArray<string>
}

export interface VariantResult {
  readonly id: string
  readonly concurrency: number
  readonly budget: Budget
  readonly rounds: number
  readonly results: ReadonlyArray<ClientResult>
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  readonly protocol: string
  readonly resource: { readonly path: string; readonly bytes: number }
  readonly variants: ReadonlyArray<VariantResult>
}

export interface RunSettings {
  readonly mode: Mode
  readonly rounds: number
  readonly clients: ReadonlyArray<ClientId>
  readonly launcher: Launcher
  readonly log: (line: string) => void
}

const reqPerSec = (sample: Sample): number => sample.requests / (sample.elapsedNs / 1e9)
const cpuUsPerReq = (sample: Sample): number => (sample.cpuUserUs + sample.cpuSystemUs) / sample.requests

const figuresOf = (samples: ReadonlyArray<Sample>): Figures => ({
  reqPerSec: summarize(samples.map(reqPerSec)),
  cpuUsPerReq: summarize(samples.map(cpuUsPerReq)),
  p50Us: summarize(samples.map((sample) => sample.p50Us)),
  p99Us: summarize(samples.map((sample) => sample.p99Us)),
  peakRssMiB: summarize(samples.map((sample) => sample.maxRssKiB / 1024)),
  connections: summarize(samples.map((sample) => sample.connections))
})

/** Generous enough for a slow but working client (1,000 req/s); a hung one must not stall the suite. */
const timeoutFor = (budget: Budget): number =>
  20_000 + budget.warmup.minMs + budget.measure.minMs + budget.warmup.minRequests + budget.measure.minRequests

/**
 * Runs every client once per round, round-robin (A B C A B C …), so slow drifts of the machine spread over
 * all clients instead of landing on whichever ran last. A client that fails is not retried.
 */
export const runScenario = async (
  server: BenchServer,
  scenario: Scenario,
  settings: RunSettings
): Promise<ScenarioResult> => {
  const selected = scenario.clients.filter((client) => settings.clients.includes(client))
  const variants: Array<VariantResult> = []
  for (const variant of scenario.variants) {
    const budget = variant.budget[settings.mode]
    const target = {
      url: `http://${server.host}:${server.port}${scenario.resource.path}`,
      host: server.host,
      port: server.port,
      path: scenario.resource.path,
      expectedBytes: scenario.resource.bytes,
      concurrency: variant.concurrency
    }
    const samples = new Map<ClientId, Array<Sample>>(selected.map((client) => [client, []]))
    const failures = new Map<ClientId, string>()
    const warnings = new Map<ClientId, Array<string>>(selected.map((client) => [client, []]))
    for (let round = 1; round <= settings.rounds; round++) {
      for (const client of selected) {
        if (failures.has(client)) continue
        const prefix = `${scenario.id} ${variant.id} round ${round}/${settings.rounds} ${client}`
        const outcome = await runClient(settings.launcher, server, {
          client,
          target,
          warmup: budget.warmup,
          measure: budget.measure,
          timeoutMs: timeoutFor(budget)
        })
        if (!outcome.ok) {
          failures.set(client, outcome.reason)
          settings.log(`${prefix}: failed: ${outcome.reason.split("\n")[0]}`)
          continue
        }
        const sample = outcome.sample
        samples.get(client)?.push(sample)
        const expected = sample.warmupRequests + sample.requests
        if (sample.serverRequests !== expected) {
          warnings
            .get(client)
            ?.push(`round ${round}: server answered ${sample.serverRequests} requests, expected ${expected}`)
        }
        settings.log(
          `${prefix}: ${Math.round(reqPerSec(sample))} req/s, ${cpuUsPerReq(sample).toFixed(1)} µs CPU/req, ` +
            `${sample.connections} conn`
        )
      }
    }
    variants.push({
      id: variant.id,
      concurrency: variant.concurrency,
      budget,
      rounds: settings.rounds,
      results: selected.map((client) => {
        const clientSamples = samples.get(client) ?? []
        const failure = failures.get(client)
        return {
          client,
          label: clients[client].label,
          samples: clientSamples,
          figures: failure === undefined && clientSamples.length > 0 ? figuresOf(clientSamples) : undefined,
          failure,
          warnings: warnings.get(client) ?? []
        }
      })
    })
  }
  return {
    id: scenario.id,
    title: scenario.title,
    protocol: scenario.protocol,
    resource: { path: scenario.resource.path, bytes: scenario.resource.bytes },
    variants
  }
}
