/**
 * An endpoint served by a socket the user handed in (`h1.sockets`): the pool
 * never dials it, so once that socket is closed, the requests waiting for it
 * and every request after fail typed, in phase `acquire`, a re-sent one too.
 */
import { type HttpClient, HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, Wait } from "@effect-requests/testing"
import { Effect, Fiber } from "effect"
import { awaitWaiting, connect, get, type HeldServer, heldServer } from "./held-server.js"

const causeOf = (error: unknown) =>
  error instanceof HttpClientError.RequestError ? (error.cause as { readonly _tag: string }) : undefined

/** What a request for the endpoint fails with once its socket is gone. */
const socketGone = {
  _tag: "ClosedError",
  protocol: "http/1.1",
  phase: "acquire",
  reused: false,
  responseStarted: false,
  cause: "the socket supplied for this endpoint is closed"
}

/** Runs `test` with a client whose only way to the held server is a socket handed in. */
const overUserSocket = <A, E>(
  held: HeldServer,
  test: Effect.Effect<A, E, Requests.Requests | HttpClient.HttpClient>
) =>
  Effect.gen(function* () {
    const socket = yield* connect(held.server.port)
    const sockets = { [`127.0.0.1:${held.server.port}`]: socket }
    // The pool's own failures are under test: the retry battery would send them again after a backoff.
    const layer = Requests.layer({ h1: { sockets }, retry: false })
    // Connections dropped before the layer closes, so that it waits on nothing.
    return yield* test.pipe(Effect.ensuring(held.dropAll), Effect.provide(layer))
  })

/** Fails `request` with what it failed with, within the usual bound. */
const failure = <A, E, R>(label: string, request: Effect.Effect<A, E, R>) =>
  Wait.within(Effect.flip(request), { helper: label, unit: "failure", target: 1, seen: () => 0 })

describe("H1Pool user-supplied sockets", () => {
  it.scoped("when the socket closes, the requests waiting for it and those after fail typed", () =>
    heldServer((held) =>
      overUserSocket(
        held,
        Effect.gen(function* () {
          const { url, on, awaitSeen, drop } = held
          const a = yield* Effect.fork(get(url, "a"))
          yield* awaitSeen(1)
          // One request at a time on the socket: b waits, and nothing is dialed for it.
          const b = yield* Effect.fork(get(url, "b"))
          yield* awaitWaiting(1)
          yield* drop("a")
          expect(causeOf(yield* failure("request on the socket", Fiber.join(a)))).toMatchObject({
            _tag: "ClosedError",
            phase: "headers"
          })
          expect(causeOf(yield* failure("request waiting for the socket", Fiber.join(b)))).toMatchObject(
            socketGone
          )
          expect(causeOf(yield* failure("request after the socket closed", get(url, "c")))).toMatchObject(
            socketGone
          )
          expect(on("a")).toEqual([0])
          expect(held.server.connectionsOpened).toBe(1)
        })
      )
    )
  )

  it.scoped("a request lost on the socket is not sent again over a dialed connection", () =>
    heldServer((held) =>
      overUserSocket(
        held,
        Effect.gen(function* () {
          const { url, seen, awaitSeen, answer, drop } = held
          yield* answer("w")
          expect(yield* get(url, "w")).toBe("w")
          // x goes on the reused socket, which closes before answering.
          yield* drop("x")
          const x = yield* Effect.fork(get(url, "x"))
          yield* awaitSeen(2)
          expect(causeOf(yield* failure("request lost on the socket", Fiber.join(x)))).toMatchObject(
            socketGone
          )
          expect(seen).toEqual([
            { id: "w", connection: 0 },
            { id: "x", connection: 0 }
          ])
          expect(held.server.connectionsOpened).toBe(1)
        })
      )
    )
  )
})

describe("H1Pool user-supplied sockets under maxConnections", () => {
  it.scoped(
    "the socket is not let go to make room for another endpoint: it holds no place of the limit",
    () =>
      Effect.gen(function* () {
        const x = yield* HttpTestServer.make({ keepAliveTimeout: 600_000 })
        const y = yield* HttpTestServer.make({ keepAliveTimeout: 600_000 })
        const socket = yield* connect(x.port)
        const sockets = { [`127.0.0.1:${x.port}`]: socket }
        yield* Effect.gen(function* () {
          expect(yield* get(`${x.url}/bytes/2`, "1")).toBe("ab")
          expect(yield* get(`${y.url}/bytes/2`, "2")).toBe("ab")
          expect(yield* get(`${x.url}/bytes/2`, "3")).toBe("ab")
          expect(x.stats.connectionsOpened).toBe(1)
        }).pipe(Effect.provide(Requests.layer({ h1: { sockets, maxConnections: 1 }, retry: false })))
      })
  )
})
