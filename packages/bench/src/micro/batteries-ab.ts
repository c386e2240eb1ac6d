/**
 * The batteries' cost on the common path, this build against another one
 * (a copy of `packages/client/dist` made before a change): CPU microseconds
 * of this process per uncompressed 1 KiB GET against nginx, for each build
 * with the batteries on (the default) and off, all four clients in one
 * process and in a rotating order per round, so that every figure sees the
 * same machine.
 *
 * Run with `npx tsx packages/bench/src/micro/batteries-ab.ts <other build's index.js> [rounds] [requests per round]`.
 * The other build must sit where it resolves this checkout's `node_modules`
 * (e.g. under `node_modules/`).
 */
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Current from "@effect-requests/client"
import { findNginx } from "../servers/nginx-binary.js"
import { startNginx } from "../servers/nginx.js"
import { resources } from "../servers/resources.js"
import { gap, median, report, rotate, type Runtime } from "./in-process.js"

const other = process.argv[2]
const rounds = Number(process.argv[3] ?? 10)
const perRound = Number(process.argv[4] ?? 5000)
const concurrency = 8

const main = Effect.gen(function* () {
  if (other === undefined)
    return yield* Effect.die(new Error("usage: batteries-ab.ts <other build's index.js>"))
  const Other = (yield* Effect.promise(() => import(pathToFileURL(resolve(other)).href))) as typeof Current
  const binary = yield* Effect.promise(findNginx)
  if (binary === undefined) return yield* Effect.die(new Error("nginx is not installed"))
  const server = yield* Effect.acquireRelease(
    Effect.promise(() => startNginx(binary)),
    (started) => Effect.promise(started.stop)
  )
  const url = `http://127.0.0.1:${server.listeners.http[0]}${resources["1k"].path}`
  const clients: ReadonlyArray<readonly [string, Runtime]> = [
    ["this build, batteries on ", ManagedRuntime.make(Layer.fresh(Current.Requests.layer({})))],
    [
      "this build, batteries off",
      ManagedRuntime.make(Layer.fresh(Current.Requests.layer({ batteries: false })))
    ],
    ["other build, batteries on ", ManagedRuntime.make(Layer.fresh(Other.Requests.layer({})))],
    [
      "other build, batteries off",
      ManagedRuntime.make(Layer.fresh(Other.Requests.layer({ batteries: false })))
    ]
  ]
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
  // Per round, on minus off of the same build: the batteries' cost with the machine's drift taken out.
  console.log(`this build, on − off per round: median ${median(gap(figures, 0, 1)).toFixed(2)} µs`)
  console.log(`other build, on − off per round: median ${median(gap(figures, 2, 3)).toFixed(2)} µs`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
