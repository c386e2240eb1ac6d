/**
 * What the in-process A/B scripts share: CPU per request of one client over
 * a round of GETs, rounds rotated over several clients so that each sees the
 * same machine, and the median.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type * as ManagedRuntime from "effect/ManagedRuntime"

/** A client built in this process. */
export type Runtime = ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, never>

/** `requests` GETs of `url`, `concurrency` at a time, each body read whole. */
export const load = (url: string, requests: number, concurrency: number) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    Effect.forEach(
      Array.from({ length: requests }),
      () => Effect.flatMap(client.get(url), (response) => response.arrayBuffer),
      { concurrency, discard: true }
    )
  )

/** CPU microseconds of this process per request, over one round. */
export const cpuPerRequest = (runtime: Runtime, url: string, requests: number, concurrency: number) =>
  Effect.promise(async () => {
    const before = process.cpuUsage()
    await runtime.runPromise(load(url, requests, concurrency))
    const used = process.cpuUsage(before)
    return (used.user + used.system) / requests
  })

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * Warms every client with one round, then runs `rounds` rounds, each client
 * once per round in a rotating order; the figures per client, by round.
 */
export const rotate = (
  runtimes: ReadonlyArray<Runtime>,
  options: {
    readonly url: string
    readonly rounds: number
    readonly perRound: number
    readonly concurrency: number
  }
) =>
  Effect.gen(function* () {
    const { concurrency, perRound, rounds, url } = options
    for (const runtime of runtimes) yield* cpuPerRequest(runtime, url, perRound, concurrency)
    const figures = runtimes.map(() => [] as Array<number>)
    for (let i = 0; i < rounds; i++) {
      for (let j = 0; j < runtimes.length; j++) {
        const k = (i + j) % runtimes.length
        figures[k]!.push(yield* cpuPerRequest(runtimes[k]!, url, perRound, concurrency))
      }
    }
    return figures
  })

/** One line per client: the median and every round. */
export const report = (names: ReadonlyArray<string>, figures: ReadonlyArray<ReadonlyArray<number>>): void =>
  names.forEach((name, k) => {
    const values = figures[k]!
    console.log(
      `${name}: median ${median(values).toFixed(1)} µs CPU/request  [${values.map((v) => v.toFixed(1)).join(" ")}]`
    )
  })

/** Per round, a's figure minus b's: the difference with the machine's drift taken out. */
export const gap = (figures: ReadonlyArray<ReadonlyArray<number>>, a: number, b: number): Array<number> =>
  figures[a]!.map((value, i) => value - figures[b]![i]!)
