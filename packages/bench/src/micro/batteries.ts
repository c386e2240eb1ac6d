/**
 * What the batteries cost on the common path: CPU microseconds of this
 * process per uncompressed 1 KiB GET against nginx, through a client with
 * the batteries on (the default) and one with `batteries: false`, in
 * alternating rounds so both see the same machine.
 *
 * Run with `npx tsx packages/bench/src/micro/batteries.ts [rounds] [requests per round] [options as JSON]`,
 * the options (default `{}`) being those of the client with the batteries on.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Requests } from "@effect-requests/client"
import { findNginx } from "../servers/nginx-binary.js"
import { startNginx } from "../servers/nginx.js"
import { resources } from "../servers/resources.js"
import { gap, median, report, rotate } from "./in-process.js"

const rounds = Number(process.argv[2] ?? 8)
const perRound = Number(process.argv[3] ?? 5000)
const concurrency = 8

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
  const figures = yield* rotate([on, off], { url, rounds, perRound, concurrency })
  console.log(
    `${server.description}, ${rounds} rounds of ${perRound} GETs of 1 KiB, ${concurrency} at a time`
  )
  report(["batteries on ", "batteries off"], figures)
  console.log(`on − off per round: median ${median(gap(figures, 0, 1)).toFixed(2)} µs`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
