/**
 * The HTTP/1.1 pool while a dial is under way. The server is reached through
 * a SOCKS5 proxy (the held server itself) that answers each dial only when
 * the test lets it go, so that a dial can be held open while connections
 * free up, requests are re-sent, or the layer closes.
 */
import type { HttpClient } from "@effect/platform"
import { HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { type H1Pool, Requests } from "@effect-requests/client"
import { Wait } from "@effect-requests/testing"
import { Effect, ExecutionStrategy, Exit, Fiber, Layer, Scope } from "effect"
import {
  awaitH1,
  awaitWaiting,
  get,
  type HeldServer,
  heldServer,
  pipelinedBesideIdle,
  post
} from "./held-server.js"

const causeOf = (error: unknown) =>
  error instanceof HttpClientError.RequestError ? (error.cause as { readonly _tag: string }) : undefined

/** The client's options: through the held server as a proxy, and without the retry battery, whose re-sends are not under test. */
const throughProxy = (held: HeldServer, h1: H1Pool.H1Options): Requests.Options => ({
  proxy: `socks5://127.0.0.1:${held.server.port}`,
  retry: false,
  h1
})

/** Runs `test` with the client; connections are dropped and dials opened before its layer closes. */
const withClient = <A, E>(
  held: HeldServer,
  h1: H1Pool.H1Options,
  test: Effect.Effect<A, E, Requests.Requests | HttpClient.HttpClient>
) => test.pipe(Effect.ensuring(held.dropAll), Effect.provide(Requests.layer(throughProxy(held, h1))))

describe("H1Pool with a dial under way", () => {
  it.scoped(
    "below the limit, a re-sent request waits for the connection dialed for it, though another frees up",
    () =>
      heldServer(
        (held) =>
          withClient(
            held,
            { maxConnectionsPerEndpoint: 3 },
            Effect.gen(function* () {
              const { url, seen, on, awaitSeen, awaitDials, openDial, answer, drop } = held
              yield* openDial(0)
              yield* openDial(1)
              const h = yield* Effect.fork(get(url, "h"))
              yield* awaitSeen(1)
              const w = yield* Effect.fork(get(url, "w"))
              yield* awaitSeen(2)
              yield* answer("w")
              expect(yield* Fiber.join(w)).toBe("w")

              // x goes on the second connection, which closes under it: x dials a third, held.
              yield* drop("x")
              const x = yield* Effect.fork(get(url, "x"))
              yield* awaitSeen(3)
              yield* awaitDials(3)
              // The first connection frees up meanwhile: it is not for x.
              yield* answer("h")
              expect(yield* Fiber.join(h)).toBe("h")
              yield* openDial(2)
              yield* awaitSeen(4)
              expect(seen[3]).toEqual({ id: "x", connection: 2 })
              yield* answer("x")
              expect(yield* Fiber.join(x)).toBe("x")
              expect(on("x")).toEqual([1, 2])
            })
          ),
        { socks: true }
      )
  )

  it.scoped(
    "a re-sent request waiting ahead of the line is not pipelined on a busy connection with room",
    () =>
      heldServer(
        (held) =>
          withClient(
            held,
            { pipelining: 2, maxConnectionsPerEndpoint: 2 },
            Effect.gen(function* () {
              const { url, seen, awaitSeen, awaitDials, openDial, answer, drop } = held
              yield* openDial(0)
              yield* openDial(1)
              const { h1, h2 } = yield* pipelinedBesideIdle(held)
              // x goes on the second connection, idle since p was answered.
              const x = yield* Effect.fork(get(url, "x"))
              yield* awaitSeen(5)
              expect(seen.map((a) => a.connection)).toEqual([0, 0, 0, 1, 1])
              const q = yield* Effect.fork(post(url, "q"))
              yield* awaitWaiting(1)

              // The second connection closes under x alone: a dial starts for q, and x waits ahead of it.
              yield* drop("x")
              yield* awaitDials(3)
              yield* awaitWaiting(2)

              // The first connection has room for one more, but x may not be written behind h2.
              yield* answer("h1")
              expect(yield* Fiber.join(h1)).toBe("h1")
              expect((yield* Effect.flatMap(Requests.Requests, (r) => r.stats)).h1.waiting).toBe(2)

              // The dialed connection goes to x, then, once x is answered, to q.
              yield* openDial(2)
              yield* awaitSeen(6)
              expect(seen[5]).toEqual({ id: "x", connection: 2 })
              yield* answer("x")
              yield* awaitSeen(7)
              expect(seen[6]).toEqual({ id: "q", connection: 2 })
              yield* answer("q")
              yield* answer("h2")
              expect(yield* Effect.forEach([h2, x, q], Fiber.join)).toEqual(["h2", "x", "q"])
            })
          ),
        { socks: true }
      )
  )

  it.scoped("a connection whose dial ends while the layer closes does not hold the close up", () =>
    heldServer(
      (held) =>
        Effect.gen(function* () {
          const { url, awaitSeen, awaitDials, openDial, answer } = held
          const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
          const context = yield* Layer.buildWithScope(
            Requests.layer(throughProxy(held, { maxConnectionsPerEndpoint: 2 })),
            scope
          )
          yield* Effect.gen(function* () {
            yield* openDial(0)
            const a = yield* Effect.fork(get(url, "a"))
            yield* awaitSeen(1)
            // b waits for a second connection, whose dial is held.
            const b = yield* Effect.fork(post(url, "b"))
            yield* awaitDials(2)
            const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
            expect(causeOf(yield* Effect.flip(Fiber.join(b)))?._tag).toBe("ClientClosedError")

            // The dial ends: the connection is idle, with nothing to wait for.
            yield* openDial(1)
            yield* awaitH1("open connection", (s) => s.open, 2)
            yield* answer("a")
            expect(yield* Fiber.join(a)).toBe("a")
            yield* Wait.within(Fiber.join(closing), {
              helper: "close",
              unit: "close",
              target: 1,
              seen: () => 0
            })
            yield* held.server.awaitClosedConnections(2)
          }).pipe(Effect.provide(context), Effect.ensuring(held.dropAll))
        }),
      { socks: true }
    )
  )
})
