/**
 * What requests queued for a slot get when a connection of their endpoint
 * fails to come up or goes away: the error of a dial or a connection nothing
 * else could serve them through, else a slot or a dial of their own once one
 * is possible.
 */
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, RawServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Layer, type Scope, TestClock } from "effect"
import type { Endpoint } from "../../../src/Endpoint.js"
import { type Dialed, Dialer, type DialError } from "../../../src/Dialer.js"
import { ConnectError } from "../../../src/Errors.js"
import { H2ConnectionPool } from "../../../src/H2ConnectionPool.js"
import { awaitDeadline, dialerLayer, endpointOf, fetchText, poolLayer, send } from "./support.js"

type Dial = Effect.Effect<Dialed, DialError, Scope.Scope>

/**
 * A dialer whose dials, numbered from 1, each go where `script` says; `real`
 * dials the given endpoint for real.
 */
const scripted = (script: (n: number, endpoint: Endpoint, real: (to: Endpoint) => Dial) => Dial) =>
  Layer.effect(
    Dialer,
    Effect.map(Dialer, (dialer) => {
      let n = 0
      return {
        ...dialer,
        dial: (endpoint, request) => script(++n, endpoint, (to) => dialer.dial(to, request))
      }
    })
  ).pipe(Layer.provide(dialerLayer))

/** `then`, once the dial has said it started and `gate` opens: a dial held up as a slow handshake would be. */
const heldAt = (started: Effect.Effect<unknown>, gate: Deferred.Deferred<void>, then: Dial): Dial =>
  Effect.zipRight(Effect.zipRight(started, Deferred.await(gate)), then)

/** A refused dial that says which dial it was. */
const refused = (endpoint: Endpoint, n: number): Dial =>
  Effect.fail(
    new ConnectError({ endpoint: endpoint.key, phase: "connect", code: "ECONNREFUSED", cause: `dial ${n}` })
  )

/** Waiters give up after this long; a fiber sleeping exactly that long shows one is queued. */
const acquireTimeout = 45_000

const post = (url: string) => send(url, { method: "POST" })

/** What the fiber ended with; a failure saying so when it never ends. */
const outcome = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Wait.within(Effect.either(Fiber.join(fiber)), { helper: "outcome", unit: "end", target: 1, seen: () => 0 })

describe("H2ConnectionPool waiters", () => {
  it.scoped(
    "the only dial failing fails a request queued behind it with its error: it does not dial again",
    () =>
      Effect.gen(function* () {
        const dialing = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        let dials = 0
        const dialer = scripted((n, endpoint) => {
          dials = n
          return n === 1
            ? heldAt(Deferred.succeed(dialing, undefined), gate, refused(endpoint, n))
            : refused(endpoint, n)
        })
        yield* Effect.gen(function* () {
          const first = yield* Effect.fork(post("http://a.test/"))
          yield* Deferred.await(dialing)
          const queued = yield* Effect.fork(post("http://a.test/"))
          yield* awaitDeadline(acquireTimeout)
          yield* Deferred.succeed(gate, undefined)
          expect(yield* Effect.flip(Fiber.join(first))).toMatchObject({
            _tag: "ConnectError",
            cause: "dial 1"
          })
          // A waiter left in line would give up at its deadline: passing it shows as the wrong error, not a hang.
          yield* TestClock.adjust(acquireTimeout)
          expect(yield* Effect.flip(Fiber.join(queued))).toMatchObject({
            _tag: "ConnectError",
            cause: "dial 1"
          })
          expect(dials).toBe(1)
        }).pipe(Effect.provide(poolLayer({ acquireTimeout }, dialer)))
      })
  )

  it.scoped(
    "a request failed with a dial's error does not, as it ends, make the pool forget the endpoint's next dial",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const dialing = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const redialing = yield* Deferred.make<void>()
        const regate = yield* Deferred.make<void>()
        let dials = 0
        const dialer = scripted((n, endpoint, real) => {
          dials = n
          if (n > 2) return real(endpoint)
          const [started, opened] = n === 1 ? [dialing, gate] : [redialing, regate]
          return Effect.zipRight(
            Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(opened)),
            n === 1 ? refused(endpoint, n) : real(endpoint)
          )
        })
        yield* Effect.gen(function* () {
          // Tries again in the very step its dial fails, so the request queued behind that dial ends
          // after the endpoint's new dial began: the queue it leaves is an old one, already dropped.
          const first = yield* Effect.fork(
            Effect.catchAll(fetchText(`${server.url}/echo`, { method: "POST" }), () =>
              fetchText(`${server.url}/bytes/1`)
            )
          )
          yield* Deferred.await(dialing)
          const queued = yield* Effect.fork(post(`${server.url}/echo`))
          yield* awaitDeadline(acquireTimeout)
          yield* Deferred.succeed(gate, undefined)
          expect(yield* Effect.flip(Fiber.join(queued))).toMatchObject({
            _tag: "ConnectError",
            cause: "dial 1"
          })
          yield* Deferred.await(redialing)
          // The endpoint's dial under way is this request's too: it does not dial a third time.
          const next = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
          yield* Deferred.succeed(regate, undefined)
          expect((yield* Fiber.join(first)).text).toBe("a")
          expect(yield* outcome(next)).toMatchObject({ _tag: "Right", right: { text: "ab" } })
          expect(dials).toBe(2)
          expect(server.stats.sessionsOpened).toBe(1)
        }).pipe(Effect.provide(poolLayer({ acquireTimeout }, dialer)))
      })
  )

  it.scoped("a dial failing while another connection is open leaves the queued requests to it", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      const dialing = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const dialer = scripted((n, endpoint, real) =>
        n === 2 ? heldAt(Deferred.succeed(dialing, undefined), gate, refused(endpoint, n)) : real(endpoint)
      )
      yield* Effect.gen(function* () {
        // The first connection's SETTINGS are known: the endpoint may dial a second.
        yield* fetchText(`${server.url}/bytes/1`)
        const held = yield* Effect.fork(fetchText(`${server.url}/hold/a`))
        yield* server.awaitRequests(2)
        const second = yield* Effect.fork(post(`${server.url}/echo`))
        yield* Deferred.await(dialing)
        const queued = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
        yield* awaitDeadline(acquireTimeout)
        yield* Deferred.succeed(gate, undefined)
        expect(yield* Effect.flip(Fiber.join(second))).toMatchObject({
          _tag: "ConnectError",
          cause: "dial 2"
        })
        // Not failed with the second dial's error: it dialed again, the first connection being full.
        expect(yield* outcome(queued)).toMatchObject({ _tag: "Right", right: { text: "ab" } })
        expect(server.stats.sessionsOpened).toBe(2)
        yield* server.release()
        expect((yield* Fiber.join(held)).text).toBe("a")
      }).pipe(
        // A held stream would keep the pool's close waiting on a clock nobody moves.
        Effect.ensuring(server.release()),
        Effect.provide(poolLayer({ acquireTimeout, maxConnectionsPerEndpoint: 2 }, dialer))
      )
    })
  )

  it.scoped("a dial failing while another is still under way leaves the queued requests to that one", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const endpoint = endpointOf(server.url)
      const bothDialing = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const dialer = scripted((n, to, real) => {
        if (n > 2) return real(to)
        const started = n === 2 ? Deferred.succeed(bothDialing, undefined) : Effect.void
        // The first fails; the second would connect, but is given up when warming fails.
        return heldAt(started, gate, n === 1 ? refused(to, n) : Effect.never)
      })
      yield* Effect.gen(function* () {
        const pool = yield* H2ConnectionPool
        const warming = yield* Effect.fork(pool.warm(endpoint, 2))
        yield* Deferred.await(bothDialing)
        const queued = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
        yield* awaitDeadline(acquireTimeout)
        yield* Deferred.succeed(gate, undefined)
        expect(yield* Effect.flip(Fiber.join(warming))).toMatchObject({
          _tag: "ConnectError",
          cause: "dial 1"
        })
        // Once no dial was left, the queued request dialed for itself.
        expect(yield* outcome(queued)).toMatchObject({ _tag: "Right", right: { text: "ab" } })
        expect(server.stats.sessionsOpened).toBe(1)
      }).pipe(Effect.provide(poolLayer({ acquireTimeout, maxConnectionsPerEndpoint: 2 }, dialer)))
    })
  )

  it.scoped("a connection lost after its SETTINGS: the queued request dials a new one", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      yield* fetchText(`${server.url}/bytes/1`)
      const held = yield* Effect.fork(post(`${server.url}/hold/a`))
      yield* server.awaitRequests(2)
      const queued = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
      yield* awaitDeadline(acquireTimeout)
      yield* server.drop
      expect(yield* Effect.flip(Fiber.join(held))).toMatchObject({ _tag: "ClosedError" })
      expect(yield* outcome(queued)).toMatchObject({ _tag: "Right", right: { text: "ab" } })
      expect(server.stats.sessionsOpened).toBe(2)
    }).pipe(Effect.provide(poolLayer({ acquireTimeout, maxConnectionsPerEndpoint: 1 })))
  )

  /** A peer that reads the client's preface, then closes once `gate` opens, never sending SETTINGS. */
  const silentPeer = (prefaceRead: Deferred.Deferred<void>, gate: Deferred.Deferred<void>) =>
    RawServer.make((connection) =>
      Effect.gen(function* () {
        yield* connection.readBytes(24)
        yield* Deferred.succeed(prefaceRead, undefined)
        yield* Deferred.await(gate)
        yield* connection.destroy
      })
    )

  it.scoped(
    "a connection dying before its SETTINGS while another is open leaves the queued requests to it",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
        const prefaceRead = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const peer = yield* silentPeer(prefaceRead, gate)
        const dialer = scripted((n, to, real) => real(n === 2 ? endpointOf(peer.url) : to))
        yield* Effect.gen(function* () {
          yield* fetchText(`${server.url}/bytes/1`)
          const held = yield* Effect.fork(fetchText(`${server.url}/hold/a`))
          yield* server.awaitRequests(2)
          const second = yield* Effect.fork(post(`${server.url}/echo`))
          yield* Deferred.await(prefaceRead)
          const queued = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
          yield* awaitDeadline(acquireTimeout)
          yield* Deferred.succeed(gate, undefined)
          expect(yield* Effect.flip(Fiber.join(second))).toMatchObject({ _tag: "ClosedError" })
          expect(yield* outcome(queued)).toMatchObject({ _tag: "Right", right: { text: "ab" } })
          expect(server.stats.sessionsOpened).toBe(2)
          yield* server.release()
          expect((yield* Fiber.join(held)).text).toBe("a")
        }).pipe(
          Effect.ensuring(server.release()),
          Effect.provide(poolLayer({ acquireTimeout, maxConnectionsPerEndpoint: 2 }, dialer))
        )
      })
  )

  it.scoped(
    "a connection dying before its SETTINGS while a dial is under way leaves the queued requests to it",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const endpoint = endpointOf(server.url)
        const prefaceRead = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const peer = yield* silentPeer(prefaceRead, gate)
        const warmDialing = yield* Deferred.make<void>()
        const warmGate = yield* Deferred.make<void>()
        const dialer = scripted((n, to, real) =>
          n === 1
            ? real(endpointOf(peer.url))
            : Effect.zipRight(
                Effect.zipRight(Deferred.succeed(warmDialing, undefined), Deferred.await(warmGate)),
                real(to)
              )
        )
        yield* Effect.gen(function* () {
          const pool = yield* H2ConnectionPool
          const first = yield* Effect.fork(post(`${server.url}/echo`))
          yield* Deferred.await(prefaceRead)
          const warming = yield* Effect.fork(pool.warm(endpoint, 2))
          yield* Deferred.await(warmDialing)
          const queued = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
          yield* awaitDeadline(acquireTimeout)
          yield* Deferred.succeed(gate, undefined)
          expect(yield* Effect.flip(Fiber.join(first))).toMatchObject({ _tag: "ClosedError" })
          yield* Deferred.succeed(warmGate, undefined)
          yield* Fiber.join(warming)
          expect(yield* outcome(queued)).toMatchObject({ _tag: "Right", right: { text: "ab" } })
          expect(server.stats.sessionsOpened).toBe(1)
        }).pipe(Effect.provide(poolLayer({ acquireTimeout, maxConnectionsPerEndpoint: 2 }, dialer)))
      })
  )
})
