/**
 * What the HTTP/2 pool keeps armed on the clock: one housekeeping round for
 * the whole pool however many endpoints it serves, and one acquire deadline
 * per endpoint however many requests wait there (none when waits are
 * unbounded).
 */
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, Wait } from "@effect-requests/testing"
import { Chunk, Effect, Fiber, TestClock } from "effect"
import { MAX_ROUND } from "../../../src/internal/pool/stall-round.js"
import { awaitTimer, eventLoopTurn } from "../../helpers.js"
import { fetchText, poolLayer } from "./support.js"

const acquireTimeout = 45_000

/** How many fibers sleep on the TestClock until exactly `millis` from now. */
const timersAt = (millis: number) =>
  Effect.gen(function* () {
    const due = (yield* TestClock.currentTimeMillis) + millis
    return Chunk.size(Chunk.filter(yield* TestClock.sleeps(), (at) => at === due))
  })

/**
 * Waits until every fiber is suspended: a request to an h2c endpoint runs
 * without a pause up to its place in the endpoint's queue.
 */
const awaitSuspended = (fibers: ReadonlyArray<Fiber.RuntimeFiber<unknown, unknown>>) => {
  let suspended = 0
  const wait = Effect.gen(function* () {
    for (;;) {
      const statuses = yield* Effect.forEach(fibers, Fiber.status)
      suspended = statuses.filter((status) => status._tag === "Suspended").length
      if (suspended === fibers.length) return
      yield* eventLoopTurn
    }
  })
  return Wait.within(wait, {
    helper: "awaitSuspended",
    unit: "suspended fiber",
    target: fibers.length,
    seen: () => suspended
  })
}

/** Three requests queued behind a held stream on the endpoint's only connection. */
const threeQueued = (server: Http2TestServer.Http2TestServer) =>
  Effect.gen(function* () {
    const held = yield* Effect.fork(fetchText(`${server.url}/hold/k`))
    yield* server.awaitRequests(1)
    const queued = yield* Effect.forEach([1, 2, 3], (n) => Effect.fork(fetchText(`${server.url}/bytes/${n}`)))
    yield* awaitSuspended(queued)
    return { held, queued }
  })

describe("H2ConnectionPool timers", () => {
  it.scoped("requests to two endpoints share the pool's one housekeeping round", () =>
    Effect.gen(function* () {
      const a = yield* Http2TestServer.make()
      const b = yield* Http2TestServer.make()
      expect((yield* fetchText(`${a.url}/bytes/1`)).text).toBe("a")
      yield* awaitTimer(MAX_ROUND)
      expect((yield* fetchText(`${b.url}/bytes/2`)).text).toBe("ab")
      expect(yield* timersAt(MAX_ROUND)).toBe(1)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("requests queued at one endpoint share one acquire deadline, and all give up at it", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      yield* Effect.gen(function* () {
        const { held, queued } = yield* threeQueued(server)
        yield* awaitTimer(acquireTimeout)
        expect(yield* timersAt(acquireTimeout)).toBe(1)
        yield* TestClock.adjust(acquireTimeout)
        for (const fiber of queued) {
          expect(yield* Effect.flip(Fiber.join(fiber))).toMatchObject({
            _tag: "TimeoutError",
            phase: "acquire"
          })
        }
        yield* server.release()
        expect((yield* Fiber.join(held)).text).toBe("k")
      }).pipe(
        // A held stream would keep the pool's close waiting on a clock nobody moves.
        Effect.ensuring(server.release()),
        Effect.provide(poolLayer({ strictMaxConcurrentStreams: true, acquireTimeout }))
      )
    })
  )

  it.scoped("requests queued without an acquireTimeout arm no deadline", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      yield* Effect.gen(function* () {
        const { held, queued } = yield* threeQueued(server)
        expect(yield* timersAt(Infinity)).toBe(0)
        yield* server.release()
        expect((yield* Fiber.join(held)).text).toBe("k")
        for (const fiber of queued) expect((yield* Fiber.join(fiber)).status).toBe(200)
      }).pipe(
        Effect.ensuring(server.release()),
        Effect.provide(poolLayer({ strictMaxConcurrentStreams: true, acquireTimeout: Infinity }))
      )
    })
  )
})
