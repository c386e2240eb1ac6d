import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option } from "effect"
import { SlotSemaphore } from "../../../src/internal/pool/slot-semaphore.js"

/** Lets forked fibers run up to their next suspension. */
const settle = Effect.yieldNow()

describe("SlotSemaphore", () => {
  it.effect("its permits are the limit: takes beyond them wait, first come first served", () =>
    Effect.gen(function* () {
      const slots = new SlotSemaphore(2)
      expect(slots.tryTake(1)).toBe(true)
      expect(slots.tryTake(1)).toBe(true)
      expect(slots.tryTake(1)).toBe(false)
      expect(slots.free).toBe(0)
      const order: Array<string> = []
      const a = yield* Effect.fork(Effect.as(slots.take(1), "a").pipe(Effect.tap((x) => order.push(x))))
      const b = yield* Effect.fork(Effect.as(slots.take(1), "b").pipe(Effect.tap((x) => order.push(x))))
      yield* settle
      // A synchronous take may not jump the line.
      slots.unsafeRelease(1)
      expect(slots.tryTake(1)).toBe(false)
      yield* Fiber.join(a)
      expect(order).toEqual(["a"])
      slots.unsafeRelease(1)
      yield* Fiber.join(b)
      expect(order).toEqual(["a", "b"])
      expect(slots.taken).toBe(2)
    })
  )

  it.effect(
    "a resize takes effect at once: below what is taken, nothing is handed out until enough comes back",
    () =>
      Effect.gen(function* () {
        const slots = new SlotSemaphore(4)
        for (let i = 0; i < 4; i++) expect(slots.tryTake(1)).toBe(true)
        slots.unsafeResize(2)
        expect(slots.free).toBe(-2)
        const waiting = yield* Effect.fork(slots.take(1))
        yield* settle
        slots.unsafeRelease(2)
        yield* settle
        expect(waiting.unsafePoll()).toBeNull()
        slots.unsafeRelease(1)
        yield* Fiber.join(waiting)
        expect(slots.taken).toBe(2)
        slots.unsafeResize(5)
        expect(slots.free).toBe(3)
      })
  )

  it.effect("an interrupted take leaks no permit and lets the next waiter through", () =>
    Effect.gen(function* () {
      const slots = new SlotSemaphore(1)
      expect(slots.tryTake(1)).toBe(true)
      const big = yield* Effect.fork(slots.take(1))
      const next = yield* Effect.fork(slots.take(1))
      yield* settle
      yield* Fiber.interrupt(big)
      slots.unsafeRelease(1)
      yield* Fiber.join(next)
      expect(slots.taken).toBe(1)
      slots.unsafeRelease(1)
      expect(slots.free).toBe(1)
    })
  )

  it.effect("withPermits gives its permits back however the effect ends", () =>
    Effect.gen(function* () {
      const slots = new SlotSemaphore(1)
      expect(yield* slots.withPermits(1)(Effect.succeed(1))).toBe(1)
      expect(yield* Effect.exit(slots.withPermits(1)(Effect.fail("no")))).toEqual(Exit.fail("no"))
      const held = yield* Effect.fork(slots.withPermits(1)(Effect.never))
      yield* settle
      expect(slots.free).toBe(0)
      yield* Fiber.interrupt(held)
      expect(slots.free).toBe(1)
      expect(yield* slots.withPermitsIfAvailable(1)(Effect.succeed("x"))).toEqual(Option.some("x"))
      expect(slots.tryTake(1)).toBe(true)
      expect(yield* slots.withPermitsIfAvailable(1)(Effect.succeed("x"))).toEqual(Option.none())
      yield* slots.releaseAll
      expect(slots.free).toBe(1)
    })
  )

  it.effect("a synchronous take may not pass a waiter that needs more than is free", () =>
    Effect.gen(function* () {
      const slots = new SlotSemaphore(2)
      expect(slots.tryTake(2)).toBe(true)
      const big = yield* Effect.fork(slots.take(2))
      yield* settle
      slots.unsafeRelease(1)
      // One permit is free, but the waiter ahead needs two: first come, first served.
      expect(slots.tryTake(1)).toBe(false)
      expect(slots.free).toBe(1)
      slots.unsafeRelease(1)
      yield* Fiber.join(big)
      expect(slots.free).toBe(0)
    })
  )

  it.effect("resize as an Effect takes effect when run, and lets waiters through", () =>
    Effect.gen(function* () {
      const slots = new SlotSemaphore(1)
      expect(slots.tryTake(1)).toBe(true)
      const waiting = yield* Effect.fork(slots.take(1))
      yield* settle
      const resize = slots.resize(2)
      expect(slots.permits).toBe(1)
      yield* resize
      expect(slots.permits).toBe(2)
      yield* Fiber.join(waiting)
      expect(slots.free).toBe(0)
    })
  )

  it.effect(
    "a waiter handed its permits and interrupted before it ran gives them back, and the line moves on",
    () =>
      Effect.gen(function* () {
        const slots = new SlotSemaphore(3)
        // One permit stays with a holder throughout.
        expect(slots.tryTake(1)).toBe(true)
        expect(slots.tryTake(2)).toBe(true)
        const first = yield* Effect.fork(slots.take(2))
        const second = yield* Effect.fork(slots.take(1))
        yield* settle
        // The release hands both permits to the first waiter; it is interrupted before it takes them up.
        slots.unsafeRelease(2)
        expect(Exit.isInterrupted(yield* Fiber.interrupt(first))).toBe(true)
        yield* settle
        expect(slots.taken).toBe(2)
        expect(second.unsafePoll()).toEqual(Exit.succeed(1))
        slots.unsafeRelease(2)
        expect(slots.free).toBe(3)
      })
  )

  it.effect("an interrupted waiter that was still in line gives back nothing it never had", () =>
    Effect.gen(function* () {
      // Resized below what is taken: the line's head is interrupted while nothing can be handed out.
      const slots = new SlotSemaphore(3)
      expect(slots.tryTake(3)).toBe(true)
      slots.unsafeResize(1)
      const head = yield* Effect.fork(slots.take(1))
      yield* settle
      yield* Fiber.interrupt(head)
      expect(slots.taken).toBe(3)
      // Two holders, and a waiter for two behind one for one that leaves: it waits for both permits.
      const two = new SlotSemaphore(2)
      expect(two.tryTake(1)).toBe(true)
      expect(two.tryTake(1)).toBe(true)
      const big = yield* Effect.fork(two.take(2))
      const small = yield* Effect.fork(two.take(1))
      yield* settle
      yield* Fiber.interrupt(small)
      two.unsafeRelease(1)
      yield* settle
      expect(big.unsafePoll()).toBeNull()
      expect(two.taken).toBe(1)
      two.unsafeRelease(1)
      yield* Fiber.join(big)
      expect(two.taken).toBe(2)
    })
  )
})
