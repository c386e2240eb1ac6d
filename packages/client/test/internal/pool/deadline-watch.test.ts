/**
 * The one fiber that expires a line of waiters: oldest first, each at its
 * deadline on Effect's Clock, and gone once nobody waits, so the next waiter
 * starts a watch of its own.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { type DeadlineLine, watchDeadlines } from "../../../src/internal/pool/deadline-watch.js"

/** A line of deadlines (Clock ms), and what expired when. */
const lineOf = (deadlines: Array<number>, now: () => number) => {
  const expired: Array<[deadline: number, at: number]> = []
  const line: DeadlineLine = {
    watching: true,
    oldestDeadline: () => deadlines[0],
    expireOldest: () => void expired.push([deadlines.shift()!, now()])
  }
  return { line, expired }
}

describe("watchDeadlines", () => {
  it.effect("expires each waiter at its deadline, oldest first, then stops watching", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const now = () => clock.unsafeCurrentTimeMillis()
      const { line, expired } = lineOf([100, 100, 250], now)
      const watch = yield* Effect.fork(watchDeadlines(line, now))
      yield* TestClock.adjust(99)
      expect(expired).toEqual([])
      yield* TestClock.adjust(1)
      expect(expired).toEqual([
        [100, 100],
        [100, 100]
      ])
      expect(line.watching).toBe(true)
      yield* TestClock.adjust(150)
      yield* Fiber.join(watch)
      expect(expired).toEqual([
        [100, 100],
        [100, 100],
        [250, 250]
      ])
      expect(line.watching).toBe(false)
    })
  )

  it.effect("a deadline already past expires at once", () =>
    Effect.gen(function* () {
      yield* TestClock.adjust(1_000)
      const now = yield* Clock.currentTimeMillis
      const { line, expired } = lineOf([now - 10], () => now)
      yield* watchDeadlines(line, () => now)
      expect(expired).toEqual([[now - 10, now]])
      expect(line.watching).toBe(false)
    })
  )

  it.effect("an empty line is not watched", () =>
    Effect.gen(function* () {
      const { line } = lineOf([], () => 0)
      yield* watchDeadlines(line, () => 0)
      expect(line.watching).toBe(false)
    })
  )

  it.effect("an interrupted watch is no longer counted as watching", () =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const now = () => clock.unsafeCurrentTimeMillis()
      const { line, expired } = lineOf([500], now)
      const watch = yield* Effect.fork(watchDeadlines(line, now))
      yield* TestClock.adjust(10)
      yield* Fiber.interrupt(watch)
      expect(line.watching).toBe(false)
      expect(expired).toEqual([])
    })
  )
})
