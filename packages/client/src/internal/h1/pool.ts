/**
 * The HTTP/1.1 pool's connections: owns every HTTP/1.1 connection and lends
 * them to exchanges. A connection comes back when its exchange completes
 * cleanly.
 *
 * Connections per endpoint (and overall) are limited by semaphores: a dial
 * takes a permit, and the connection's scope gives it back when the
 * connection closes. A request that finds no connection waits in line and is
 * handed the first one that frees up, or the one dialed for it.
 *
 * The pool's steps are modules of their own over its state
 * (`pool-state.ts`): `acquire`, `dial` (and adopt, warm), `drain`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as FiberSet from "effect/FiberSet"
import * as Scope from "effect/Scope"
import { Dialer } from "../../Dialer.js"
import type { Endpoint } from "../../Endpoint.js"
import type {
  ClientClosedError,
  ClosedError,
  ConnectError,
  ProxyError,
  TimeoutError,
  TlsError
} from "../../Errors.js"
import { CurrentObserver } from "../observe/observer.js"
import type { StallRound } from "../pool/stall-round.js"
import type { Dialed } from "../transport/dialer.js"
import { acquire, acquireFresh, tryAcquire } from "./acquire.js"
import type { H1Connection } from "./connection.js"
import { adopt, demand, warm } from "./dial.js"
import { close, flush, housekeeping, publishAll } from "./drain.js"
import type { AcquireError } from "./endpoint-pool.js"
import { type H1Options, resolveH1Options } from "./options.js"
import { H1PoolState } from "./pool-state.js"
import { type H1EndpointState, type H1Stats, total } from "./pool-stats.js"
import { Ticket } from "./ticket.js"

export type { AcquireError } from "./endpoint-pool.js"

/**
 * The HTTP/1.1 pool's connections, lent to exchanges: what the exchange road
 * (`send.ts`) and the pool's service are built on.
 *
 * @internal
 */
export interface H1Connections {
  /**
   * A connection the caller may write on at once, without waiting: an idle
   * one, or (when `pipelined`) one with pipelining room. The caller must
   * write before yielding.
   */
  readonly tryAcquire: (endpoint: Endpoint, pipelined: boolean) => H1Connection | undefined
  /**
   * Waits for a connection, dialing one if the limits allow. The connection
   * is held for `ticket` until the caller consumes or settles it.
   */
  readonly acquire: (
    endpoint: Endpoint,
    pipelined: boolean,
    ticket: Ticket
  ) => Effect.Effect<H1Connection, AcquireError>
  /**
   * A connection that cannot be stale, for a retry that must not land on
   * another stale one: newly dialed, or, when the endpoint is at its limit
   * with nothing idle to close, the next one dialed or released, ahead of
   * the queue.
   */
  readonly acquireFresh: (endpoint: Endpoint, ticket: Ticket) => Effect.Effect<H1Connection, AcquireError>
  /** A ticket whose unused connection goes back to this pool. */
  readonly ticket: () => Ticket
  /** The pool's figures now. */
  readonly stats: Effect.Effect<H1Stats>
  /** The housekeeping round, shortened by requests with deadlines of their own. */
  readonly round: StallRound
  /** Closes idle connections; busy ones finish their exchanges and are closed then. */
  readonly flush: Effect.Effect<void>
  /**
   * Takes over a socket another step dialed (e.g. a TLS handshake whose
   * ALPN chose HTTP/1.1), with the scope it lives in: from now on the pool
   * closes that scope when the connection ends or the pool closes. Waits
   * for a connection slot of the endpoint like a dial would.
   */
  readonly adopt: (endpoint: Endpoint, dialed: Dialed, scope: Scope.CloseableScope) => Effect.Effect<void>
  /** Opens connections to the endpoint until it has `connections` (at most `maxConnectionsPerEndpoint`), idle. */
  readonly warm: (
    endpoint: Endpoint,
    connections: number
  ) => Effect.Effect<
    void,
    ConnectError | TlsError | TimeoutError | ClientClosedError | ProxyError | ClosedError
  >
}

/**
 * Builds the pool's connections in the current scope.
 *
 * @internal
 */
export const make = (options: H1Options = {}): Effect.Effect<H1Connections, never, Dialer | Scope.Scope> =>
  Effect.gen(function* () {
    const config = resolveH1Options(options)
    const poolScope = yield* Effect.scope
    const fibers = yield* FiberSet.make()
    // Connections live in a scope of their own, made before the drain below is
    // registered: finalizers run in reverse, so requests in flight get to finish
    // before their sockets close.
    const connectionsScope = yield* Scope.fork(poolScope, ExecutionStrategy.sequential)
    const pool = new H1PoolState(
      config,
      yield* Dialer,
      yield* CurrentObserver,
      yield* Effect.clock,
      connectionsScope,
      yield* FiberSet.runtime(fibers)()
    )
    pool.demand = (state) => demand(pool, state)
    pool.startRounds = () => pool.runFork(housekeeping(pool))
    yield* Effect.addFinalizer(() => close(pool))

    /** A connection handed to a request that never wrote on it goes back. */
    const giveBack = (connection: H1Connection) => {
      if (connection.load > 0 || connection.closed) return
      pool.release(connection)
    }

    const stats = Effect.zipRight(
      publishAll(pool),
      Effect.sync(() => {
        const perEndpoint: Record<string, H1EndpointState> = {}
        for (const [key, state] of pool.endpoints) perEndpoint[key] = state.stats()
        return total(perEndpoint)
      })
    )

    const connections: H1Connections = {
      adopt: (endpoint: Endpoint, dialed: Dialed, scope: Scope.CloseableScope) =>
        adopt(pool, endpoint, dialed, scope),
      warm: (endpoint, count) => warm(pool, endpoint, count),
      tryAcquire: (endpoint, pipelined) => tryAcquire(pool, endpoint, pipelined),
      acquire: (endpoint, pipelined, ticket) => acquire(pool, endpoint, pipelined, ticket),
      acquireFresh: (endpoint, ticket) => acquireFresh(pool, endpoint, ticket),
      ticket: () => new Ticket(giveBack),
      stats,
      round: pool.round,
      flush: flush(pool)
    }
    return connections
  })
