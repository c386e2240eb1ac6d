/**
 * Reading concurrency out of what servers logged.
 *
 * @since 0.1.0
 */

/**
 * A span of time, in integer milliseconds, half-open: `[start, end)`.
 *
 * @since 0.1.0
 */
export interface Interval {
  readonly start: number
  readonly end: number
}

/**
 * The most intervals open at one instant. Intervals are half-open, so one
 * that ends at the millisecond another starts does not count as overlapping
 * it: a server's clock ticks in whole milliseconds, and a request that a
 * client sent after the previous one ended often starts in the same one.
 *
 * @since 0.1.0
 */
export const maxOverlap = (intervals: ReadonlyArray<Interval>): number => {
  // Ends sort before starts at the same instant, which is what half-open means.
  const events = intervals.flatMap((interval) => [
    { at: interval.start, delta: 1 },
    { at: interval.end, delta: -1 }
  ])
  events.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let open = 0
  let most = 0
  for (const event of events) {
    open += event.delta
    most = Math.max(most, open)
  }
  return most
}

/**
 * Groups `items` by `key`, keeping their order within each group.
 *
 * @since 0.1.0
 */
export const groupBy = <A, K>(items: Iterable<A>, key: (item: A) => K): Map<K, Array<A>> => {
  const groups = new Map<K, Array<A>>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [item])
    else group.push(item)
  }
  return groups
}

/**
 * How often each value occurs.
 *
 * @since 0.1.0
 */
export const tally = <A>(items: Iterable<A>): Map<A, number> => {
  const counts = new Map<A, number>()
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1)
  return counts
}
