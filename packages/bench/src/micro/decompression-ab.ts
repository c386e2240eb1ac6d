/**
 * What decompression costs a response that is not compressed: CPU
 * microseconds of this process per uncompressed 1 KiB GET against nginx, for
 * the default batteries with and without `decompress`, and for the bare
 * client, all in one process and in a rotating order per round, so that
 * every figure sees the same machine.
 *
 * Run with `npx tsx packages/bench/src/micro/decompression-ab.ts [rounds] [requests per round]`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Requests } from "@effect-requests/client"
import { findNginx } from "../servers/nginx-binary.js"
import { startNginx } from "../servers/nginx.js"
import { resources } from "../servers/resources.js"
import { gap, median, report, rotate } from "./in-process.js"

const rounds = Number(process.argv[2] ?? 20)
const perRound = Number(process.argv[3] ?? 4000)
const concurrency = 8

const main = Effect.gen(function* () {
  const binary = yield* Effect.promise(findNginx)
  if (binary === undefined) return yield* Effect.die(new Error("nginx is not installed"))
  const server = yield* Effect.acquireRelease(
    Effect.promise(() => startNginx(binary)),
    (started) => Effect.promise(started.stop)
  )
  const url = `http://127.0.0.1:${server.listeners.http[0]}${resources["1k"].path}`
  const clients = [
    ["batteries, decompress on ", ManagedRuntime.make(Layer.fresh(Requests.layer({})))],
    ["batteries, decompress off", ManagedRuntime.make(Layer.fresh(Requests.layer({ decompress: false })))],
    ["no batteries             ", ManagedRuntime.make(Layer.fresh(Requests.layer({ batteries: false })))]
  ] as const
  yield* Effect.addFinalizer(() =>
    Effect.promise(() => Promise.all(clients.map(([, runtime]) => runtime.dispose())))
  )
  const figures = yield* rotate(
    clients.map(([, runtime]) => runtime),
    { url, rounds, perRound, concurrency }
  )
  console.log(
    `${server.description}, ${rounds} rounds of ${perRound} GETs of 1 KiB, ${concurrency} at a time`
  )
  report(
    clients.map(([name]) => name),
    figures
  )
  console.log(`decompress on − off per round: median ${median(gap(figures, 0, 1)).toFixed(2)} µs`)
  console.log(`decompress off − no batteries per round: median ${median(gap(figures, 1, 2)).toFixed(2)} µs`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
