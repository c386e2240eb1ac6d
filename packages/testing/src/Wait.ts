/**
 * The bound on the `await*` helpers of the test servers (`awaitRequests`,
 * `awaitClosedConnections`, ...): each gives up after
 * {@link defaultTimeoutMillis} unless told otherwise, failing with a
 * {@link WaitTimeout} that says what it waited for and what it saw, e.g.
 * `awaitClosedConnections: wanted 3 closed connections, saw 1 after 5000 ms`.
 *
 * The servers run on real sockets, so the bound is real time, also in a
 * test driven by `TestClock`. Set it per call with `{ timeoutMillis }`, or
 * for a whole region with `Effect.locally(Wait.currentTimeoutMillis, ms)`.
 *
 * @example
 * ```ts
 * yield* server.awaitRequests(100, { timeoutMillis: 20_000 })
 * yield* server.awaitConnectionsClosed.pipe(Effect.locally(Wait.currentTimeoutMillis, 10_000))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as FiberRef from "effect/FiberRef"
import * as internal from "./internal/wait.js"

/**
 * The bound of a wait given no `timeoutMillis` and run outside any
 * `Effect.locally(currentTimeoutMillis, ...)`: 5000 ms.
 *
 * @since 0.1.0
 */
export const defaultTimeoutMillis: number = internal.defaultTimeoutMillis

/**
 * The bound, in real milliseconds, of the waits a fiber runs without a
 * `timeoutMillis` of their own. Default {@link defaultTimeoutMillis}.
 *
 * @since 0.1.0
 */
export const currentTimeoutMillis: FiberRef.FiberRef<number> = internal.currentTimeoutMillis

/**
 * The options every `await*` helper takes.
 *
 * @since 0.1.0
 */
export type WaitOptions = internal.WaitOptions

/**
 * A wait gave up: `helper` waited for `target` of `unit` and saw `seen` when
 * `timeoutMillis` had passed.
 *
 * @since 0.1.0
 */
export const WaitTimeout: typeof internal.WaitTimeout = internal.WaitTimeout

/**
 * @since 0.1.0
 */
export type WaitTimeout = internal.WaitTimeout

/**
 * What a wait is for: the name of the helper, the unit it counts
 * (singular), the count it wants and how to read the count it saw.
 *
 * @since 0.1.0
 */
export type WaitSubject = internal.WaitSubject

/**
 * Runs `wait`, or fails with a {@link WaitTimeout} describing `subject` once
 * the bound has passed in real time. Only the deadline runs on the live
 * clock: `wait` keeps the caller's services, `TestClock` included. For
 * waits of your own, so they fail the same way.
 *
 * @since 0.1.0
 */
export const within: <A, E, R>(
  wait: Effect.Effect<A, E, R>,
  subject: WaitSubject,
  options?: WaitOptions
) => Effect.Effect<A, E | WaitTimeout, R> = internal.within
