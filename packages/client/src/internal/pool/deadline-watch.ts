/**
 * One sleeping fiber per endpoint for the acquire deadlines of everything
 * waiting there, instead of a timer raced against each waiter.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** A line of waiters that all wait as long: the oldest always expires first. @internal */
export interface DeadlineLine {
  /** Whether a fiber is watching the line's deadlines. */
  watching: boolean
  /** Clock time in ms at which the oldest waiter gives up; `undefined` when nobody waits. */
  oldestDeadline(): number | undefined
  /** Fails the oldest waiter, whose deadline passed. */
  expireOldest(): void
}

/**
 * Expires the line's waiters as their deadlines pass, on Effect's Clock,
 * and stops once nobody waits.
 *
 * @internal
 */
export const watchDeadlines = (line: DeadlineLine, now: () => number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const due = line.oldestDeadline()
    if (due === undefined) {
      line.watching = false
      return Effect.void
    }
    const wait = due - now()
    if (wait > 0) return Effect.zipRight(Effect.sleep(wait), watchDeadlines(line, now))
    line.expireOldest()
    return watchDeadlines(line, now)
  }).pipe(Effect.onInterrupt(() => Effect.sync(() => (line.watching = false))))
