/**
 * The creation rounds of a client pool: before each round the interval
 * follows how full the pool is, the round opens streams up to capacity
 * at once, and capacity follows the round's success ratio. Generic
 * over how streams are opened, so the policy runs under TestClock with
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
 * Opens `attempts` streams at once (adding each to the pool as it opens)
 * and yields how many opened.
 *
 * @internal
 */
export type OpenBatch = (attempts: number) => Effect.Effect<number>

/**
 * One round: `idle()` streams wait in the pool, `open` adds up to as many as asked.
 *
 * @internal
 */
export const round = (state: RoundState, idle: () => number, open: OpenBatch): Effect.Effect<RoundResult> =>
  Effect.suspend(() => {
    const bounds = state.bounds
    state.tuning = beforeRound(bounds, state.tuning, idle())
    const attempts = Math.max(0, state.tuning.capacity - idle())
    if (attempts === 0) return Effect.succeed({ attempts, successes: 0 })
    return Effect.map(open(attempts), (successes): RoundResult => {
      state.tuning = afterRound(bounds, state.tuning, successes, attempts)
      return { attempts, successes }
    })
  })

/**
 * Rounds forever, `intervalMillis` apart on Effect's clock; `onRound` hears
 * every outcome (to count failures).
 *
 * @internal
 */
export const runRounds = (
  state: RoundState,
  idle: () => number,
  open: OpenBatch,
  onRound: (result: RoundResult) => void
): Effect.Effect<never> =>
  Effect.forever(
    Effect.flatMap(round(state, idle, open), (result) => {
      onRound(result)
      return Effect.sleep(state.tuning.intervalMillis)
    })
  )
