/**
 * The creation rounds of a client pool: before each round the interval
 * follows how full the pool is, the round opens streams up to capacity
 * concurrently, and capacity follows the round's success ratio. Generic
 * over how a stream is opened, so the policy runs under TestClock with
 * scripted outcomes.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { afterRound, beforeRound, initial, type Tuning, type TuningBounds } from "./tuning.js"

/** What the rounds read and move. @internal */
export class RoundState {
  tuning: Tuning
  constructor(readonly bounds: TuningBounds) {
    this.tuning = initial(bounds)
  }
}

/** One round's outcome. @internal */
export interface RoundResult {
  readonly attempts: number
  readonly successes: number
}

/**
 * One round: `idle()` streams wait in the pool, `open` adds one (or fails).
 *
 * @internal
 */
export const round = <E>(
  state: RoundState,
  idle: () => number,
  open: Effect.Effect<void, E>
): Effect.Effect<RoundResult> =>
  Effect.suspend(() => {
    const bounds = state.bounds
    state.tuning = beforeRound(bounds, state.tuning, idle())
    const attempts = Math.max(0, state.tuning.capacity - idle())
    if (attempts === 0) return Effect.succeed({ attempts, successes: 0 })
    return Effect.map(
      Effect.forEach(Array.from({ length: attempts }), () => Effect.either(open), {
        concurrency: "unbounded"
      }),
      (results): RoundResult => {
        let successes = 0
        for (const result of results) if (result._tag === "Right") successes++
        state.tuning = afterRound(bounds, state.tuning, successes, attempts)
        return { attempts, successes }
      }
    )
  })

/**
 * Rounds forever, `intervalMillis` apart on Effect's clock; `onRound` hears
 * every outcome (to count failures).
 *
 * @internal
 */
export const runRounds = <E>(
  state: RoundState,
  idle: () => number,
  open: Effect.Effect<void, E>,
  onRound: (result: RoundResult) => void
): Effect.Effect<never> =>
  Effect.forever(
    Effect.flatMap(round(state, idle, open), (result) => {
      onRound(result)
      return Effect.sleep(state.tuning.intervalMillis)
    })
  )
