import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { RoundState, runRounds } from "../../../src/internal/stream-pool/manager.js"
import { afterRound, beforeRound, type TuningBounds } from "../../../src/internal/stream-pool/tuning.js"
import { awaitTimer } from "../../helpers.js"

const bounds: TuningBounds = {
  minCapacity: 4,
  maxCapacity: 64,
  minIntervalMillis: 100,
  maxIntervalMillis: 5_000
}

describe("stream pool tuning", () => {
  it("capacity grows in proportional steps while creation succeeds, shrinks while it fails, within bounds", () => {
    let tuning = { capacity: 8, intervalMillis: 100 }
    tuning = afterRound(bounds, tuning, 8, 8)
    expect(tuning.capacity).toBe(10)
    tuning = { capacity: 40, intervalMillis: 100 }
    tuning = afterRound(bounds, tuning, 40, 40)
    expect(tuning.capacity).toBe(50)
    tuning = afterRound(bounds, tuning, 0, 10)
    expect(tuning.capacity).toBe(25)
    // Between 20 % and 80 %: no change.
    expect(afterRound(bounds, tuning, 5, 10).capacity).toBe(25)
    for (let i = 0; i < 20; i++) tuning = afterRound(bounds, tuning, 10, 10)
    expect(tuning.capacity).toBe(64)
    for (let i = 0; i < 20; i++) tuning = afterRound(bounds, tuning, 0, 10)
    expect(tuning.capacity).toBe(4)
  })

  it("the interval halves when the pool runs low and grows by half when it stays full, within bounds", () => {
    let tuning = { capacity: 10, intervalMillis: 1_000 }
    expect(beforeRound(bounds, tuning, 1).intervalMillis).toBe(500)
    expect(beforeRound(bounds, tuning, 9).intervalMillis).toBe(1_500)
    expect(beforeRound(bounds, tuning, 5).intervalMillis).toBe(1_000)
    for (let i = 0; i < 20; i++) tuning = beforeRound(bounds, tuning, 10)
    expect(tuning.intervalMillis).toBe(5_000)
    for (let i = 0; i < 20; i++) tuning = beforeRound(bounds, tuning, 0)
    expect(tuning.intervalMillis).toBe(100)
  })

  it.effect("rounds under TestClock follow a scripted success ratio, then a consumer, then failures", () =>
    Effect.gen(function* () {
      const state = new RoundState(bounds)
      let idle = 0
      let succeed = true
      const history: Array<{ capacity: number; intervalMillis: number }> = []
      // Every stream of a round opens while `succeed` holds, none otherwise.
      const open = (attempts: number) =>
        Effect.sync(() => {
          if (!succeed) return 0
          idle += attempts
          return attempts
        })
      const fiber = yield* Effect.fork(
        runRounds(
          state,
          () => idle,
          open,
          () => history.push({ ...state.tuning })
        )
      )
      const step = Effect.gen(function* () {
        yield* awaitTimer()
        yield* TestClock.adjust(state.tuning.intervalMillis)
      })
      // A consumer takes every stream as soon as it is made: the pool stays
      // empty, every creation succeeds, capacity climbs and the interval stays short.
      for (let i = 0; i < 12; i++) {
        idle = 0
        yield* step
      }
      expect(state.tuning.capacity).toBe(64)
      expect(state.tuning.intervalMillis).toBe(100)
      const growth = history.map((h) => h.capacity)
      // Proportional: steps get larger as capacity grows.
      expect(growth[1]! - growth[0]!).toBeLessThan(growth[6]! - growth[5]!)
      // Nobody takes streams: the pool stays full and the interval stretches out.
      for (let i = 0; i < 12; i++) yield* step
      expect(state.tuning.intervalMillis).toBe(5_000)
      // The server refuses everything: capacity falls back to its floor.
      succeed = false
      for (let i = 0; i < 8; i++) {
        idle = 0
        yield* step
      }
      expect(state.tuning.capacity).toBe(4)
      yield* Fiber.interrupt(fiber)
    })
  )
})
