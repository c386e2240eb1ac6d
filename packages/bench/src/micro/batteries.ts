/**
 * What the batteries cost on the common path: CPU microseconds of this
 * process per uncompressed 1 KiB GET against nginx, through a client with
 * the batteries on (the default) and one with `batteries: false`, in
 * alternating rounds so both see the same machine.
 *
 * Run with `npx tsx packages/bench/src/micro/batteries.ts [rounds] [requests per round] [options as JSON]`,
 * the options (default `{}`) being those of the client with the batteries on.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Requests } from "@effect-requests/client"
import { findNginx } from "../servers/nginx-binary.js"
import { startNginx } from "../servers/nginx.js"
import { resources } from "../servers/resources.js"

const rounds = Number(process.argv[2] ?? 8)
const perRound = Number(process.argv[3] ?? 5000)
const concurrency = 8

const load = (url: string, requests: number) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    Effect.forEach(
      Array.from({ length: requests }),
      () => Effect.flatMap(client.get(url), (response) => response.arrayBuffer),
      { concurrency, discard: true }
    )
  )

/** CPU microseconds per request over one round. */
const round = (runtime: ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, never>, url: string) =>
  Effect.promise(async () => {
    const before = process.cpuUsage()
    await runtime.runPromise(load(url, perRound))
    const used = process.cpuUsage(before)
    return (used.user + used.system) / perRound
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
  const onOptions = JSON.parse(process.argv[4] ?? "{}") as Requests.Options
  const on = ManagedRuntime.make(Layer.fresh(Requests.layer(onOptions)))
  const off = ManagedRuntime.make(Layer.fresh(Requests.layer({ batteries: false })))
  yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([on.dispose(), off.dispose()])))
  // Warm both: connections open, code optimised.
  yield* Effect.promise(() => on.runPromise(load(url, perRound)))
  yield* Effect.promise(() => off.runPromise(load(url, perRound)))
  const figures = { on: [] as Array<number>, off: [] as Array<number> }
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)
    for (const which of order) figures[which].push(yield* round(which === "on" ? on : off, url))
  }
  const show = (values: ReadonlyArray<number>) => values.map((v) => v.toFixed(1)).join(" ")
  console.log(
    `${server.description}, ${rounds} rounds of ${perRound} GETs of 1 KiB, ${concurrency} at a time`
  )
  console.log(`batteries on : median ${median(figures.on).toFixed(1)} µs CPU/request  [${show(figures.on)}]`)
  console.log(
    `batteries off: median ${median(figures.off).toFixed(1)} µs CPU/request  [${show(figures.off)}]`
  )
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
