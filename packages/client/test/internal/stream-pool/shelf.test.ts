import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import fc from "fast-check"
import { EventEmitter } from "node:events"
import { Shelf } from "../../../src/internal/stream-pool/shelf.js"

/** A stream as the shelf sees it. */
class FakeStream extends EventEmitter {
  closed = false
  destroyed = false
  closeCode: number | undefined = undefined
  close(code?: number): void {
    if (this.closed) return
    this.closed = true
    this.closeCode = code
    this.emit("close")
  }
}

const ID = "0badcafe"

const makeShelf = () => new Shelf<FakeStream>(() => "127.0.0.1:1")

/** As the pool's `get` does: the taken stream is closed when the scope closes. */
const get = (shelf: Shelf<FakeStream>, timeout: Duration.Duration = minute) =>
  Effect.scoped(
    Effect.acquireRelease(shelf.take(ID, timeout), (stream) => Effect.sync(() => stream.close(0)))
  )
const minute = Duration.minutes(1)
const second = Duration.seconds(1)

/** Yields until the fiber's taker is listed, which happens once its wait has started. */
const untilWaiting = (shelf: Shelf<FakeStream>) =>
  Effect.gen(function* () {
    while (shelf.waiting(ID) === 0) yield* Effect.yieldNow()
  })

const yields = (n: number) => Effect.repeatN(Effect.yieldNow(), n)

/** A stream is accounted for when it waits on the shelf, open, or has been closed: never both, never neither. */
const accounted = (shelf: Shelf<FakeStream>, stream: FakeStream): boolean =>
  shelf.has(ID) ? !stream.closed : stream.closed

const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.map(Cause.failureOption(exit.cause), (e) => e._tag) : Option.none()

describe("stream pool shelf", () => {
  it.effect("hands a shelved stream over, or one that arrives while a taker waits", () =>
    Effect.gen(function* () {
      const shelf = makeShelf()
      const first = new FakeStream()
      shelf.put(ID, first)
      expect(shelf.size).toBe(1)
      expect(yield* Effect.scoped(shelf.take(ID, second))).toBe(first)
      expect(shelf.size).toBe(0)
      const later = new FakeStream()
      const taking = yield* Effect.fork(shelf.take(ID, minute))
      yield* untilWaiting(shelf)
      shelf.put(ID, later)
      expect(yield* Fiber.join(taking)).toBe(later)
      expect(shelf.waiting(ID)).toBe(0)
    })
  )

  it.effect("StreamNotFound Closed: a stream reset on the shelf, flushed, or lost with its connection", () =>
    Effect.gen(function* () {
      const reason = (id: string) =>
        Effect.map(Effect.either(shelf.take(id, minute)), (e) =>
          Either.isLeft(e) && e.left._tag === "StreamNotFound" ? e.left.reason : "taken"
        )
      const shelf = makeShelf()
      const reset = new FakeStream()
      shelf.put("00000001", reset)
      reset.close(8)
      expect(yield* reason("00000001")).toBe("Closed")
      // Closed without its 'close' event yet: found on the shelf, not handed out.
      const silent = new FakeStream()
      shelf.put("00000002", silent)
      silent.destroyed = true
      expect(yield* reason("00000002")).toBe("Closed")
      const flushed = new FakeStream()
      shelf.put("00000003", flushed)
      shelf.flush()
      expect(flushed.closed).toBe(true)
      expect(yield* reason("00000003")).toBe("Closed")
      shelf.put("00000004", new FakeStream())
      shelf.forget()
      expect(yield* reason("00000004")).toBe("Closed")
      // A taker waiting for a stream that arrives closed hears it at once.
      const waiting = yield* Effect.fork(reason("00000005"))
      while (shelf.waiting("00000005") === 0) yield* Effect.yieldNow()
      const dead = new FakeStream()
      dead.closed = true
      shelf.put("00000005", dead)
      expect(yield* Fiber.join(waiting)).toBe("Closed")
      expect(yield* reason("nope")).toBe("MalformedId")
      // Unknown IDs are waited for; shutting the pool down ends the wait.
      const pending = yield* Effect.fork(reason("00000006"))
      while (shelf.waiting("00000006") === 0) yield* Effect.yieldNow()
      shelf.shutDown()
      expect(yield* Fiber.join(pending)).toBe("PoolClosed")
      expect(yield* reason("00000007")).toBe("PoolClosed")
    })
  )

  it.effect("a take that times out leaves no taker behind; a stream arriving later is shelved", () =>
    Effect.gen(function* () {
      const shelf = makeShelf()
      const taking = yield* Effect.fork(Effect.either(shelf.take(ID, second)))
      yield* untilWaiting(shelf)
      yield* TestClock.adjust(second)
      const result = yield* Fiber.join(taking)
      expect(Either.isLeft(result) && result.left._tag).toBe("TimeoutError")
      expect(shelf.waiting(ID)).toBe(0)
      const stream = new FakeStream()
      shelf.put(ID, stream)
      expect(shelf.has(ID)).toBe(true)
    })
  )

  // The hand-over race: the stream reaches a taker whose fiber is being
  // interrupted in the same instant. The resume is then dropped by the
  // runtime; the stream must still end up on the shelf or closed.
  it("interruption at the instant of hand-over never loses the stream", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("interrupt, then hand over", "hand over, then interrupt"),
        fc.nat(4),
        async (order, gap) => {
          const shelf = makeShelf()
          const stream = new FakeStream()
          const exit = await Effect.runPromise(
            Effect.gen(function* () {
              const taker = yield* Effect.fork(get(shelf))
              yield* untilWaiting(shelf)
              const interrupt = Effect.sync(() => taker.unsafeInterruptAsFork(FiberId.none))
              const handOver = Effect.sync(() => shelf.put(ID, stream))
              if (order === "interrupt, then hand over") yield* Effect.zipRight(interrupt, yields(gap))
              else yield* Effect.zipRight(handOver, yields(gap))
              if (order === "interrupt, then hand over") yield* handOver
              else yield* interrupt
              return yield* Fiber.await(taker)
            })
          )
          // Interrupted, or (handed over a few turns before) taken and released.
          if (Exit.isSuccess(exit)) expect(stream.closed).toBe(true)
          else expect(Exit.isInterrupted(exit)).toBe(true)
          expect(accounted(shelf, stream)).toBe(true)
          expect(shelf.waiting(ID)).toBe(0)
        }
      ),
      // The exact instant both ways first, then interleavings a few turns apart.
      {
        numRuns: 60,
        examples: [
          ["interrupt, then hand over", 0],
          ["hand over, then interrupt", 0]
        ]
      }
    )
  })

  it("a stream arriving as the wait times out goes to the taker or back on the shelf", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(6), async (gap) => {
        const shelf = makeShelf()
        const stream = new FakeStream()
        const exit = await Effect.runPromise(
          Effect.gen(function* () {
            const taker = yield* Effect.fork(get(shelf, second))
            yield* untilWaiting(shelf)
            yield* Effect.fork(TestClock.adjust(second))
            yield* yields(gap)
            shelf.put(ID, stream)
            return yield* Fiber.await(taker)
          }).pipe(Effect.provide(TestContext.TestContext))
        )
        // Taken (then released, so closed), or timed out with the stream back on the shelf.
        if (Exit.isSuccess(exit)) expect(stream.closed).toBe(true)
        else expect(failureTag(exit)).toEqual(Option.some("TimeoutError"))
        expect(accounted(shelf, stream)).toBe(true)
      }),
      { numRuns: 40 }
    )
  })
})
