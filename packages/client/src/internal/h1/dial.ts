/**
 * How the HTTP/1.1 pool gets connections: dialed under the endpoint's
 * semaphore (and the pool-wide one when `maxConnections` is set), or adopted
 * from a socket another step dialed. The permits belong to the connection's
 * scope, so they come back however the connection ends, or if the dial
 * fails or is interrupted.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import {
  ClientClosedError,
  type ClosedError,
  type ConnectError,
  type ProxyError,
  type TimeoutError,
  type TlsError
} from "../../Errors.js"
import { transferScope } from "../pool/adopt-scope.js"
import type { Dialed } from "../transport/dialer.js"
import { H1Connection } from "./connection.js"
import type { AcquireError, EndpointPool } from "./endpoint-pool.js"
import type { H1PoolState } from "./pool-state.js"
import type { Ticket } from "./ticket.js"

type DialError = ConnectError | TlsError | TimeoutError | ProxyError | ClosedError

/** Takes one permit of `semaphore` for the connection living in `scope`, which gives it back. */
const takePermit = (
  semaphore: Effect.Semaphore,
  scope: Scope.CloseableScope,
  restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
) =>
  Effect.zipRight(
    restore(semaphore.take(1)).pipe(Effect.onInterrupt(() => Scope.close(scope, Exit.void))),
    Scope.addFinalizer(scope, semaphore.release(1))
  )

/**
 * Dials a connection under the endpoint's (and the global) semaphore;
 * `undefined` when, once the permits came, `wanted` says others' connections
 * served the need meanwhile.
 *
 * @internal
 */
export const dial = (
  pool: H1PoolState,
  state: EndpointPool,
  wanted: () => boolean
): Effect.Effect<H1Connection | undefined, DialError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const scope = yield* Scope.fork(pool.connectionsScope, ExecutionStrategy.sequential)
      yield* takePermit(state.slots, scope, restore)
      if (!wanted()) {
        yield* Scope.close(scope, Exit.void)
        return undefined
      }
      if (pool.limitGlobal) {
        if (pool.openTotal >= pool.config.maxConnections) pool.evictIdle()
        yield* takePermit(pool.global, scope, restore)
      }
      const dialed = yield* restore(Scope.extend(pool.dialer.dial(state.endpoint), scope)).pipe(
        // Counted here, whoever asked for the dial: a waiting request, a re-send or `warm`.
        Effect.tapError(() => Effect.sync(() => state.counters.errors++)),
        Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
      )
      const connection = new H1Connection(state.endpoint, dialed.socket, pool, pool.config)
      pool.track(state, connection, scope)
      return connection
    })
  )

/**
 * Starts dials for waiting requests that no connection or dial under way
 * will serve, within the endpoint's limit.
 *
 * @internal
 */
export const demand = (pool: H1PoolState, state: EndpointPool): void => {
  while (
    pool.open &&
    !state.userSocket &&
    state.unserved > 0 &&
    state.committed < pool.config.maxConnectionsPerEndpoint
  ) {
    state.dialing++
    pool.runFork(
      dial(pool, state, () => state.waiting > 0).pipe(
        Effect.matchEffect({
          onFailure: (error) =>
            Effect.sync(() => (state.retries.shift() ?? state.waiters.shift())?.resume(Effect.fail(error))),
          onSuccess: (connection) => Effect.sync(() => connection && state.serve(connection))
        }),
        Effect.ensuring(
          Effect.sync(() => {
            state.dialing--
            demand(pool, state)
          })
        )
      )
    )
  }
}

/**
 * Dials a connection of its own for a re-sent request; counted so the
 * queue's dials leave it a permit.
 *
 * @internal
 */
export const dialFresh = (
  pool: H1PoolState,
  state: EndpointPool,
  ticket: Ticket
): Effect.Effect<H1Connection, AcquireError> =>
  Effect.suspend(() => {
    state.freshDials++
    return dial(pool, state, () => true).pipe(
      Effect.flatMap((connection) =>
        connection === undefined
          ? Effect.die("a wanted dial produced no connection")
          : Effect.succeed(connection)
      ),
      Effect.tap((connection) => Effect.sync(() => ticket.hold(connection))),
      Effect.ensuring(
        Effect.sync(() => {
          state.freshDials--
          demand(pool, state)
        })
      )
    )
  })

/**
 * Takes over a socket dialed elsewhere, with its scope, under the
 * endpoint's semaphore like a dial.
 *
 * @internal
 */
export const adopt = (
  pool: H1PoolState,
  endpoint: Endpoint,
  dialed: Dialed,
  adopted: Scope.CloseableScope
): Effect.Effect<void> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      if (!pool.open) return yield* Scope.close(adopted, Exit.void)
      const state = pool.stateOf(endpoint)
      const scope = yield* transferScope(adopted, pool.connectionsScope)
      yield* takePermit(state.slots, scope, restore)
      const connection = new H1Connection(endpoint, dialed.socket, pool, pool.config)
      pool.track(state, connection, scope)
      state.serve(connection)
    })
  )

/**
 * Opens connections to the endpoint until it has `connections` (at most
 * `maxConnectionsPerEndpoint`), idle.
 *
 * @internal
 */
export const warm = (
  pool: H1PoolState,
  endpoint: Endpoint,
  connections: number
): Effect.Effect<void, DialError | ClientClosedError> =>
  Effect.suspend((): Effect.Effect<void, DialError | ClientClosedError> => {
    if (!pool.open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
    const state = pool.stateOf(endpoint)
    if (state.userSocket) return Effect.void
    const missing = Math.min(connections, pool.config.maxConnectionsPerEndpoint) - state.committed
    if (missing <= 0) return Effect.void
    state.dialing += missing
    const one = dial(pool, state, () => true).pipe(
      Effect.tap((connection) => Effect.sync(() => connection && state.serve(connection))),
      Effect.ensuring(Effect.sync(() => state.dialing--))
    )
    return Effect.all(
      Array.from({ length: missing }, () => one),
      { concurrency: "unbounded", discard: true }
    )
  })
