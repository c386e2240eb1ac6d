/**
 * What decompression costs a response that is not compressed: CPU
 * microseconds of this process per uncompressed 1 KiB GET against nginx, for
 * the default batteries with and without `decompress`, and for the bare
 * client, all in one process and in a rotating order per round, so that
 * every figure sees the same machine.
 *
 * Run with `npx tsx packages/bench/src/micro/decompression-ab.ts [rounds] [requests per round]`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Requests } from "@effect-requests/client"
import { findNginx } from "../servers/nginx-binary.js"
import { startNginx } from "../servers/nginx.js"
import { resources } from "../servers/resources.js"

const rounds = Number(process.argv[2] ?? 20)
const perRound = Number(process.argv[3] ?? 4000)
const concurrency = 8

type Runtime = ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, never>

const cpuPerRequest = (runtime: Runtime, url: string, requests: number) =>
  Effect.promise(async () => {
    const load = Effect.flatMap(HttpClient.HttpClient, (client) =>
      Effect.forEach(
        Array.from({ length: requests }),
        () => Effect.flatMap(client.get(url), (response) => response.arrayBuffer),
        { concurrency, discard: true }
      )
    )
    const before = process.cpuUsage()
    await runtime.runPromise(load)
    const used = process.cpuUsage(before)
    return (used.user + used.system) / requests
  })

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const main = Effect.gen(function* () {
  const binary = yield* Effect.promise(findNginx)
  if (binary === undefined) return yield* Effect.die(new Error("nginx is not installed"))
  const server = yield* Effect.acquireRelease(
    Effect.promise(() => startNginx(binary)),
    (started) => Effect.promise(started.stop)
  )
  const url = `http://127.0.0.1:${server.listeners.http[0]}${resources["1k"].path}`
  const clients: ReadonlyArray<readonly [string, Runtime]> = [
    ["batteries, decompress on ", ManagedRuntime.make(Layer.fresh(Requests.layer({})))],
    ["batteries, decompress off", ManagedRuntime.make(Layer.fresh(Requests.layer({ decompress: false })))],
    ["no batteries             ", ManagedRuntime.make(Layer.fresh(Requests.layer({ batteries: false })))]
  ]
  yield* Effect.addFinalizer(() =>
    Effect.promise(() => Promise.all(clients.map(([, runtime]) => runtime.dispose())))
  )
  for (const [, runtime] of clients) yield* cpuPerRequest(runtime, url, perRound)
  const figures = clients.map(() => [] as Array<number>)
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < clients.length; j++) {
      const k = (i + j) % clients.length
      figures[k]!.push(yield* cpuPerRequest(clients[k]![1], url, perRound))
    }
  }
  console.log(
    `${server.description}, ${rounds} rounds of ${perRound} GETs of 1 KiB, ${concurrency} at a time`
  )
  clients.forEach(([name], k) => {
    const values = figures[k]!
    console.log(
      `${name}: median ${median(values).toFixed(1)} µs CPU/request  [${values.map((v) => v.toFixed(1)).join(" ")}]`
    )
  })
  const gap = (a: number, b: number) => figures[a]!.map((value, i) => value - figures[b]![i]!)
  console.log(`decompress on − off per round: median ${median(gap(0, 1)).toFixed(2)} µs`)
  console.log(`decompress off − no batteries per round: median ${median(gap(1, 2)).toFixed(2)} µs`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
