import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { Wait } from "@effect-requests/testing"

const things: Wait.WaitSubject = { helper: "awaitThings", unit: "thing", target: 3, seen: () => 1 }

/** A run of the TestClock-driven tests that hangs when the bound follows the TestClock ends here. */
const hangs = 10_000

describe("Wait", () => {
  it.live("gives up on the live clock, saying what it waited for and what it saw", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Wait.within(Effect.never, things, { timeoutMillis: 20 }))
      expect(error).toBeInstanceOf(Wait.WaitTimeout)
      expect(error).toMatchObject({ _tag: "WaitTimeout", target: 3, seen: 1, timeoutMillis: 20 })
      expect(error.message).toBe("awaitThings: wanted 3 things, saw 1 after 20 ms")
    })
  )

  it.effect(
    "gives up in real time under the TestClock, which nobody adjusts",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(Wait.within(Effect.never, things, { timeoutMillis: 20 }))
        expect(error.message).toBe("awaitThings: wanted 3 things, saw 1 after 20 ms")
      }),
    hangs
  )

  it.effect("leaves the wait itself on the caller's clock", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(Wait.within(Effect.as(Effect.sleep("1 hour"), "slept"), things))
      while (Chunk.isEmpty(yield* TestClock.sleeps())) yield* Effect.yieldNow()
      yield* TestClock.adjust("1 hour")
      expect(yield* Fiber.join(fiber)).toBe("slept")
    })
  )

  it.live("reads the bound from currentTimeoutMillis when the call gives none", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.locally(Wait.within(Effect.never, things), Wait.currentTimeoutMillis, 15)
      )
      expect(error.timeoutMillis).toBe(15)
      expect(yield* Effect.flip(Wait.within(Effect.never, things, { timeoutMillis: 10 }))).toMatchObject({
        timeoutMillis: 10
      })
    })
  )

  it.effect(
    "defaults to 5 s and reads what it saw when it gives up",
    () =>
      Effect.gen(function* () {
        expect(Wait.defaultTimeoutMillis).toBe(5_000)
        expect(yield* Wait.currentTimeoutMillis).toBe(5_000)
        let seen = 0
        const wait = Wait.within(
          Effect.never,
          { ...things, target: 1, seen: () => seen },
          { timeoutMillis: 20 }
        )
        seen = 2
        expect((yield* Effect.flip(wait)).message).toBe("awaitThings: wanted 1 thing, saw 2 after 20 ms")
      }),
    hangs
  )

  it.live("lets a wait that ends in time through, success or failure", () =>
    Effect.gen(function* () {
      expect(yield* Wait.within(Effect.succeed(1), things)).toBe(1)
      expect(yield* Effect.flip(Wait.within(Effect.fail("no"), things))).toBe("no")
    })
  )
})
