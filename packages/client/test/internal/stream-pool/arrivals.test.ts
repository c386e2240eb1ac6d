import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as TestClock from "effect/TestClock"
import fc from "fast-check"
import { EventEmitter } from "node:events"
import { Arrivals } from "../../../src/internal/stream-pool/arrivals.js"

/** A stream as the server's line sees it. */
class FakeStream extends EventEmitter {
  closed = false
  destroyed = false
  close(): void {
    if (this.closed) return
    this.closed = true
    this.emit("close")
  }
}

const minute = Duration.minutes(1)

const make = () => new Arrivals<FakeStream>(() => "127.0.0.1:1")

/** As the pool's `incoming` does: the taken stream is closed when the scope closes. */
const incoming = (arrivals: Arrivals<FakeStream>) =>
  Effect.scoped(
    Effect.acquireRelease(arrivals.take(minute), ({ stream }) => Effect.sync(() => stream.close()))
  )

const untilWaiting = (arrivals: Arrivals<FakeStream>) =>
  Effect.gen(function* () {
    while (arrivals.waiting === 0) yield* Effect.yieldNow()
  })

describe("stream pool server arrivals", () => {
  it.effect("streams are taken in arrival order, closed ones skipped; waiting callers get the next", () =>
    Effect.gen(function* () {
      const arrivals = make()
      const [a, b, c] = [new FakeStream(), new FakeStream(), new FakeStream()]
      arrivals.put("0000000a", a)
      arrivals.put("0000000b", b)
      arrivals.put("0000000c", c)
      b.destroyed = true
      expect((yield* arrivals.take(minute)).id).toBe("0000000a")
      expect((yield* arrivals.take(minute)).id).toBe("0000000c")
      const waiting = yield* Effect.fork(arrivals.take(minute))
      yield* untilWaiting(arrivals)
      const d = new FakeStream()
      arrivals.put("0000000d", d)
      expect((yield* Fiber.join(waiting)).stream).toBe(d)
      const timedOut = yield* Effect.fork(Effect.either(arrivals.take(Duration.seconds(1))))
      yield* untilWaiting(arrivals)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(timedOut)
      expect(Either.isLeft(result) && result.left._tag).toBe("TimeoutError")
      expect(arrivals.waiting).toBe(0)
      const pending = yield* Effect.fork(Effect.either(arrivals.take(minute)))
      yield* untilWaiting(arrivals)
      arrivals.shutDown()
      const shut = yield* Fiber.join(pending)
      expect(Either.isLeft(shut) && shut.left).toMatchObject({ _tag: "StreamNotFound", reason: "PoolClosed" })
    })
  )

  it("interruption at the instant of hand-over puts the stream back at the head of the line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("interrupt, then hand over", "hand over, then interrupt"),
        fc.nat(4),
        async (order, gap) => {
          const arrivals = make()
          const stream = new FakeStream()
          const later = new FakeStream()
          const exit = await Effect.runPromise(
            Effect.gen(function* () {
              const taker = yield* Effect.fork(incoming(arrivals))
              yield* untilWaiting(arrivals)
              const interrupt = Effect.sync(() => taker.unsafeInterruptAsFork(FiberId.none))
              const handOver = Effect.sync(() => arrivals.put("0000000a", stream))
              const [first, second] =
                order === "interrupt, then hand over" ? [interrupt, handOver] : [handOver, interrupt]
              yield* first
              yield* Effect.repeatN(Effect.yieldNow(), gap)
              yield* second
              const exit = yield* Fiber.await(taker)
              arrivals.put("0000000b", later)
              return exit
            })
          )
          if (Exit.isSuccess(exit)) expect(stream.closed).toBe(true)
          else expect(Exit.isInterrupted(exit)).toBe(true)
          // In line, first, and open; or taken and released.
          expect(arrivals.has("0000000a") ? !stream.closed : stream.closed).toBe(true)
          if (arrivals.has("0000000a")) {
            expect((await Effect.runPromise(arrivals.take(minute))).id).toBe("0000000a")
          }
        }
      ),
      {
        numRuns: 60,
        examples: [
          ["interrupt, then hand over", 0],
          ["hand over, then interrupt", 0]
        ]
      }
    )
  })
})
