/**
 * The housekeeping round: a quarter of the shortest deadline within its
 * bounds, shortened at once by a request that brings shorter deadlines, and
 * never lengthened by one that brings longer ones.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { MAX_ROUND, MIN_ROUND, StallRound, roundFor } from "../../../src/internal/pool/stall-round.js"

describe("roundFor", () => {
  it("is a quarter of the shorter deadline, within [MIN_ROUND, MAX_ROUND]", () => {
    expect(roundFor(2_000, 8_000)).toBe(500)
    expect(roundFor(8_000, 2_000)).toBe(500)
    expect(roundFor(100, 100)).toBe(MIN_ROUND)
    expect(roundFor(300_000, 300_000)).toBe(MAX_ROUND)
    expect(roundFor(Infinity, Infinity)).toBe(MAX_ROUND)
  })
})

describe("StallRound", () => {
  it("a request's shorter deadlines shorten the round; longer ones leave it", () => {
    const round = new StallRound(1_000)
    round.note({ headersTimeout: 60_000, bodyTimeout: undefined })
    expect(round.millis).toBe(1_000)
    round.note({ headersTimeout: undefined, bodyTimeout: 2_000 })
    expect(round.millis).toBe(500)
    round.note({ headersTimeout: undefined, bodyTimeout: undefined })
    expect(round.millis).toBe(500)
  })

  it.effect("a round in progress ends as soon as it is shortened", () =>
    Effect.gen(function* () {
      const round = new StallRound(5_000)
      const sleeping = yield* Effect.fork(round.sleep)
      yield* TestClock.adjust(1_000)
      expect(sleeping.unsafePoll()).toBeNull()
      round.note({ headersTimeout: 400, bodyTimeout: undefined })
      yield* Fiber.join(sleeping)
      // The next round is the short one.
      const next = yield* Effect.fork(round.sleep)
      yield* TestClock.adjust(99)
      expect(next.unsafePoll()).toBeNull()
      yield* TestClock.adjust(1)
      yield* Fiber.join(next)
    })
  )

  it.effect("a round runs its full length when nothing shortens it", () =>
    Effect.gen(function* () {
      const round = new StallRound(1_000)
      const sleeping = yield* Effect.fork(round.sleep)
      round.note({ headersTimeout: 60_000, bodyTimeout: 60_000 })
      yield* TestClock.adjust(999)
      expect(sleeping.unsafePoll()).toBeNull()
      yield* TestClock.adjust(1)
      yield* Fiber.join(sleeping)
    })
  )
})
