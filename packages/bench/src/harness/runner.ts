import { clients } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import type { Transport } from "../clients/types.js"
import type { Budget, Comparison, Mode, Scenario, Shape, Variant } from "../scenarios.js"
import type { Exchange } from "../servers/resources.js"
import type { BenchServer } from "../servers/types.js"
import type { Launcher } from "./fork.js"
import { runClient } from "./run-client.js"
import type { Sample } from "./run-client.js"
import { summarize } from "./stats.js"
import type { Summary } from "./stats.js"
import { targetFor } from "./target.js"

export interface Figures {
  readonly reqPerSec: Summary
  readonly cpuUsPerReq: Summary
  readonly p50Us: Summary
  readonly p99Us: Summary
  readonly peakRssMiB: Summary
  /** Connections the server accepted per client instance: per process, or per fresh client. */
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
  readonly connections: number
  readonly pipelining: number
  readonly budget: Budget
  readonly rounds: number
  readonly results: ReadonlyArray<ClientResult>
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  readonly transport: Transport
  readonly shape: Shape
  readonly exchange: Exchange
  readonly origins: number
  readonly baseline: ClientId
  readonly floor: ClientId
  readonly variants: ReadonlyArray<VariantResult>
  /** Ratios of one client's figure to another's, round by round. */
  readonly comparisons?: ReadonlyArray<Comparison>
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
const connectionsPerClient = (sample: Sample): number => sample.connections / sample.clients

/** Each figure of one round's sample. */
export const sampleFigures: { readonly [K in keyof Figures]: (sample: Sample) => number } = {
  reqPerSec,
  cpuUsPerReq,
  p50Us: (sample) => sample.p50Us,
  p99Us: (sample) => sample.p99Us,
  peakRssMiB: (sample) => sample.maxRssKiB / 1024,
  connections: connectionsPerClient
}

const figuresOf = (samples: ReadonlyArray<Sample>): Figures => ({
  reqPerSec: summarize(samples.map(sampleFigures.reqPerSec)),
  cpuUsPerReq: summarize(samples.map(sampleFigures.cpuUsPerReq)),
  p50Us: summarize(samples.map(sampleFigures.p50Us)),
  p99Us: summarize(samples.map(sampleFigures.p99Us)),
  peakRssMiB: summarize(samples.map(sampleFigures.peakRssMiB)),
  connections: summarize(samples.map(sampleFigures.connections))
})

/** Generous enough for a slow but working client (1,000 req/s); a hung one must not stall the suite. */
const timeoutFor = (budget: Budget): number =>
  20_000 + budget.warmup.minMs + budget.measure.minMs + budget.warmup.minRequests + budget.measure.minRequests

/** What the server saw that the client's own figures cannot show. */
const sampleWarnings = (variant: Variant, sample: Sample, round: number): ReadonlyArray<string> => {
  const warnings: Array<string> = []
  const expected = sample.warmupRequests + sample.requests
  if (sample.serverRequests !== expected) {
    warnings.push(`round ${round}: server answered ${sample.serverRequests} requests, expected ${expected}`)
  }
  if (variant.pipelining > 1 && connectionsPerClient(sample) > variant.connections) {
    warnings.push(
      `round ${round}: ${sample.connections} connections where pipelining needs at most ` +
        `${variant.connections}: requests were not pipelined as configured`
    )
  }
  return warnings
}

const runVariant = async (
  server: BenchServer,
  scenario: Scenario,
  variant: Variant,
  selected: ReadonlyArray<ClientId>,
  settings: RunSettings
): Promise<VariantResult> => {
  const budget = variant.budget[settings.mode]
  const target = targetFor(server, scenario, variant)
  const samples = new Map<ClientId, Array<Sample>>(selected.map((client) => [client, []]))
  const failures = new Map<ClientId, string>()
  const warnings = new Map<ClientId, Array<string>>(selected.map((client) => [client, []]))
  for (let round = 1; round <= settings.rounds; round++) {
    for (const client of selected) {
      if (failures.has(client)) continue
      const prefix = `${scenario.id} ${variant.id} round ${round}/${settings.rounds} ${client}`
      const started = Date.now()
      const outcome = await runClient(settings.launcher, server, {
        client,
        target,
        shape: scenario.shape,
        warmup: budget.warmup,
        measure: budget.measure,
        timeoutMs: timeoutFor(budget)
      })
      // Wall time per process, so that budgets can be sized to the time limits of a run.
      const took = `${((Date.now() - started) / 1000).toFixed(1)} s`
      if (!outcome.ok) {
        failures.set(client, outcome.reason)
        settings.log(`${prefix}: failed after ${took}: ${outcome.reason.split("\n")[0]}`)
        continue
      }
      const sample = outcome.sample
      samples.get(client)?.push(sample)
      warnings.get(client)?.push(...sampleWarnings(variant, sample, round))
      settings.log(
        `${prefix}: ${Math.round(reqPerSec(sample))} req/s, ${cpuUsPerReq(sample).toFixed(1)} µs CPU/req, ` +
          `${sample.connections} conn (${took})`
      )
    }
  }
  return {
    id: variant.id,
    concurrency: variant.concurrency,
    connections: variant.connections,
    pipelining: variant.pipelining,
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
  }
}

/**
 * Runs every client once per round, round-robin (A B C A B C …), so slow drifts of the machine spread over
 * all clients instead of landing on whichever ran last. A client that fails is not retried.
 */
export const runScenario = async (
  server: BenchServer,
  scenario: Scenario,
  variants: ReadonlyArray<Variant>,
  settings: RunSettings
): Promise<ScenarioResult> => {
  const selected = scenario.clients.filter((client) => settings.clients.includes(client))
  const results: Array<VariantResult> = []
  for (const variant of variants)
    results.push(await runVariant(server, scenario, variant, selected, settings))
  return {
    id: scenario.id,
    title: scenario.title,
    transport: scenario.transport,
    shape: scenario.shape,
    exchange: scenario.exchange,
    origins: scenario.origins,
    baseline: scenario.baseline,
    floor: scenario.floor,
    variants: results,
    ...(scenario.comparisons === undefined ? {} : { comparisons: scenario.comparisons })
  }
}
