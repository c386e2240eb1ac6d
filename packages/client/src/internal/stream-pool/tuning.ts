/**
 * How a client pool sizes itself between creation rounds. Pure, so the
 * policy is tested without sockets or clocks.
 *
 * Capacity follows the creation success ratio of the last round: above 80 %
 * it grows by a quarter of itself scaled by the ratio, below 20 % it shrinks
 * by half of itself scaled by the failure ratio. The interval follows how
 * full the pool was when the round began: below 20 % (consumers take streams
 * faster than they are made) it halves, above 80 % (nobody takes them) it
 * grows by half. Steps are proportional, at least 1 stream, and always
 * clamped to the configured bounds.
 *
 * @internal
 */

/** The bounds a pool moves within. @internal */
export interface TuningBounds {
  readonly minCapacity: number
  readonly maxCapacity: number
  readonly minIntervalMillis: number
  readonly maxIntervalMillis: number
}

/** Where a pool stands. @internal */
export interface Tuning {
  readonly capacity: number
  readonly intervalMillis: number
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value))

/** The starting point: least capacity, shortest interval. @internal */
export const initial = (bounds: TuningBounds): Tuning => ({
  capacity: bounds.minCapacity,
  intervalMillis: bounds.minIntervalMillis
})

/** After a round that attempted `attempts` streams of which `successes` opened. @internal */
export const afterRound = (
  bounds: TuningBounds,
  tuning: Tuning,
  successes: number,
  attempts: number
): Tuning => {
  if (attempts === 0) return tuning
  const ratio = successes / attempts
  let capacity = tuning.capacity
  if (ratio > 0.8) capacity += Math.max(1, Math.round(capacity * 0.25 * ratio))
  else if (ratio < 0.2) capacity -= Math.max(1, Math.round(capacity * 0.5 * (1 - ratio)))
  return { ...tuning, capacity: clamp(capacity, bounds.minCapacity, bounds.maxCapacity) }
}

/** Before a round, with `idle` ready streams waiting. @internal */
export const beforeRound = (bounds: TuningBounds, tuning: Tuning, idle: number): Tuning => {
  const fullness = tuning.capacity === 0 ? 1 : idle / tuning.capacity
  let interval = tuning.intervalMillis
  if (fullness < 0.2) interval = interval / 2
  else if (fullness > 0.8) interval = interval * 1.5
  return {
    ...tuning,
    intervalMillis: Math.round(clamp(interval, bounds.minIntervalMillis, bounds.maxIntervalMillis))
  }
}
