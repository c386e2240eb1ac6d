/**
 * The wait both pools make when they close: for what is in flight to finish,
 * up to their `closeTimeout`.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

/**
 * Waits until `drained` completes or `closeTimeout` ms pass, whichever comes
 * first. Finalizers run uninterruptibly; the wait is made interruptible, or
 * the deadline could not cut it short.
 *
 * @internal
 */
export const awaitDrained = (drained: Deferred.Deferred<void>, closeTimeout: number): Effect.Effect<void> =>
  Effect.asVoid(Effect.timeoutOption(Effect.interruptible(Deferred.await(drained)), closeTimeout))
