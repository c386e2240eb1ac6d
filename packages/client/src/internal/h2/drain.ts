/**
 * How the HTTP/2 pool lets go of its connections: flushed ones drain
 * (GOAWAY, then close after their last stream), and closing the pool fails
 * the waiters, drains every connection for up to `closeTimeout`, then cuts
 * what is left.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { ClientClosedError } from "../../Errors.js"
import { awaitDrained } from "../pool/drain-deadline.js"
import type { H2PoolState } from "./pool-state.js"

/** Cuts what is left: streams still open fail with `ClientClosedError`, and every connection's scope closes. */
const closeAll = (state: H2PoolState): Effect.Effect<void> =>
  Effect.suspend(() => {
    const owned = [...state.scopes]
    for (const [connection] of owned) {
      connection.terminate(new ClientClosedError({ endpoint: connection.endpointKey }), undefined)
    }
    return Effect.forEach(owned, ([, scope]) => Scope.close(scope, Exit.void), { discard: true })
  })

/**
 * The pool's finalizer.
 *
 * @internal
 */
export const close = (state: H2PoolState): Effect.Effect<void> =>
  Effect.suspend(() => {
    state.open = false
    for (const queue of state.queues.values()) queue.failAll(new ClientClosedError({ endpoint: queue.key }))
    if (state.scopes.size === 0) return closeAll(state)
    // GOAWAY on every connection: streams in flight finish, and node closes each session after its last.
    for (const connection of [...state.scopes.keys()]) connection.drain()
    return Effect.zipRight(awaitDrained(state.allClosed, state.options.closeTimeout), closeAll(state))
  })

/**
 * Lets every connection drain: GOAWAY, then close after its last stream.
 *
 * @internal
 */
export const flush = (state: H2PoolState): Effect.Effect<void> =>
  Effect.sync(() => {
    for (const connection of [...state.scopes.keys()]) connection.drain()
  })
