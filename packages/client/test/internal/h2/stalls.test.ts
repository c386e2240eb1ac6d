/**
 * How the pool's housekeeping round tells a stalled stream from a slow one:
 * silence is counted from the stream's last progress (its request sent, its
 * head, each DATA frame), in the phase it is in, and a reader that stopped
 * reading is never a stall. Every deadline runs on the TestClock.
 */
import type * as http2 from "node:http2"
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Option, TestClock } from "effect"
import { eventLoopTurn } from "../../helpers.js"
import { fetchText, poolLayer, send } from "./support.js"

const STEP = 500

/**
 * Moves the TestClock on in small steps, letting sockets and fibers react
 * in between, until `done` or `within` ms have passed. Returns how far the
 * clock moved.
 */
const runClock = (within: number, done: () => boolean = () => false) =>
  Effect.gen(function* () {
    let elapsed = 0
    while (!done() && elapsed < within) {
      yield* TestClock.adjust(STEP)
      yield* eventLoopTurn
      elapsed += STEP
    }
    return elapsed
  })

/** Whether the fiber is done. */
const over = (fiber: Fiber.RuntimeFiber<unknown, unknown>) => () => fiber.unsafePoll() !== null

/** A server that hands the first stream it gets to the test, unanswered. */
const scriptedServer = Effect.gen(function* () {
  const first = yield* Deferred.make<http2.ServerHttp2Stream>()
  const server = yield* Http2TestServer.make({
    handler: (stream) => {
      stream.on("error", () => {})
      Deferred.unsafeDone(first, Effect.succeed(stream))
    }
  })
  return { server, first: Effect.zipRight(server.awaitRequests(1), Deferred.await(first)) }
})

describe("H2ConnectionPool stall checks", () => {
  it.scoped(
    "a request never answered fails in phase headers once silent for headersTimeout, counted from when it was sent",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        yield* fetchText(`${server.url}/bytes/1`)
        // The pool has been up for ten minutes when the request goes out: its silence starts then.
        yield* TestClock.adjust("10 minutes")
        const waiting = yield* Effect.fork(Effect.flip(send(`${server.url}/delay-headers`)))
        yield* server.awaitRequests(2)
        const elapsed = yield* runClock(40_000, over(waiting))
        expect(waiting.unsafePoll(), "failed within 40 s").not.toBeNull()
        expect(yield* Fiber.join(waiting)).toMatchObject({
          _tag: "TimeoutError",
          phase: "headers",
          protocol: "h2",
          timeoutMillis: 20_000
        })
        // Never before the deadline; at most one round (5 s here) after it.
        expect(elapsed).toBeGreaterThanOrEqual(20_000)
        expect(elapsed).toBeLessThanOrEqual(25_000)
      }).pipe(Effect.provide(poolLayer({ headersTimeout: "20 seconds", bodyTimeout: "1 hour" })))
  )

  it.scoped("the body deadline counts from the head, not from the request", () =>
    Effect.gen(function* () {
      const { server, first } = yield* scriptedServer
      const sending = yield* Effect.fork(send(`${server.url}/late`))
      const late = yield* first
      // 15 s without a head: within headersTimeout, and past bodyTimeout.
      expect(yield* runClock(15_000, over(sending))).toBe(15_000)
      expect(sending.unsafePoll(), "still waiting for its head").toBeNull()
      late.respond({ ":status": 200, "content-length": "100" })
      const response = yield* Fiber.join(sending)
      const reading = yield* Effect.fork(Effect.flip(response.body.readAll))
      const elapsed = yield* runClock(30_000, over(reading))
      expect(yield* Fiber.join(reading)).toMatchObject({
        _tag: "TimeoutError",
        phase: "body",
        protocol: "h2",
        timeoutMillis: 10_000
      })
      // Never before bodyTimeout after the head; at most one round (2.5 s here) after it.
      expect(elapsed).toBeGreaterThanOrEqual(10_000)
      expect(elapsed).toBeLessThanOrEqual(12_500)
    }).pipe(Effect.provide(poolLayer({ headersTimeout: "20 seconds", bodyTimeout: "10 seconds" })))
  )

  it.scoped("a body that keeps coming, a piece every 5 s for a minute, is never a stall", () =>
    Effect.gen(function* () {
      const { server, first } = yield* scriptedServer
      const sending = yield* Effect.fork(send(`${server.url}/drip`))
      const drip = yield* first
      drip.respond({ ":status": 200 })
      const response = yield* Fiber.join(sending)
      let received = ""
      for (let i = 0; i < 12; i++) {
        yield* runClock(5_000)
        drip.write(String(i % 10))
        for (const chunk of yield* response.body.pull) received += new TextDecoder().decode(chunk)
      }
      drip.end()
      expect(Option.isNone(yield* Effect.flip(response.body.pull))).toBe(true)
      expect(received).toBe("012345678901")
    }).pipe(Effect.provide(poolLayer({ headersTimeout: "20 seconds", bodyTimeout: "10 seconds" })))
  )
})
