/**
 * How the HTTP/1.1 pool lets go of connections: idle ones past their window
 * are reaped, a flush retires every connection, and closing the pool fails
 * the waiters, lets exchanges in flight finish for up to `closeTimeout`,
 * then cuts what is left.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { ClientClosedError } from "../../Errors.js"
import { awaitDrained } from "../pool/drain-deadline.js"
import type { H1PoolState } from "./pool-state.js"
import { publish } from "./pool-stats.js"

const closeIdle = (pool: H1PoolState): void => {
  for (const state of pool.endpoints.values()) for (const c of state.idle.splice(0)) c.destroy()
}

/**
 * Publishes every endpoint's figures as metrics.
 *
 * @internal
 */
export const publishAll = (pool: H1PoolState): Effect.Effect<void> =>
  Effect.sync(() => {
    for (const [key, state] of pool.endpoints) publish(key, state.stats(), state.counters)
  })

/**
 * Closes idle connections; busy ones finish their exchanges and are closed then.
 *
 * @internal
 */
export const flush = (pool: H1PoolState): Effect.Effect<void> =>
  Effect.sync(() => {
    for (const state of pool.endpoints.values()) {
      for (const connection of state.connections) connection.retiring = true
    }
    closeIdle(pool)
  })

/**
 * Closes connections idle past their window, and publishes the pool's and
 * the client's figures, for as long as the pool lives.
 *
 * @internal
 */
export const housekeeping = (pool: H1PoolState): Effect.Effect<never> => {
  const round = Effect.zipRight(
    Effect.sync(() => {
      for (const state of pool.endpoints.values()) state.reap()
    }),
    Effect.zipRight(publishAll(pool), pool.observer.publish)
  )
  return Effect.forever(Effect.zipRight(pool.round.sleep, round))
}

/**
 * The pool's finalizer.
 *
 * @internal
 */
export const close = (pool: H1PoolState): Effect.Effect<void> =>
  Effect.gen(function* () {
    pool.open = false
    // Errors are made only for someone to receive them: each captures a stack trace.
    for (const state of pool.endpoints.values()) {
      if (state.waiters.length + state.retries.length > 0) {
        pool.failWaiters(state, new ClientClosedError({ endpoint: state.endpoint.key }))
      }
    }
    closeIdle(pool)
    // Past the deadline the remaining connections are closed below, in flight or not.
    if (pool.busyCount() > 0) yield* awaitDrained(pool.drained, pool.config.closeTimeout)
    for (const state of pool.endpoints.values()) {
      if (state.connections.size === 0) continue
      const closed = new ClientClosedError({ endpoint: state.endpoint.key })
      for (const c of [...state.connections]) c.terminate(closed)
    }
  })
