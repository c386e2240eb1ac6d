/**
 * The HTTP/2 pool: owns every HTTP/2 connection and places each exchange on
 * a stream of one of them, within the limits the servers announce.
 *
 * An exchange takes a slot on the fullest connection to its endpoint that
 * has one; when none has, a new connection is dialed (up to
 * `maxConnectionsPerEndpoint`, one at a time, and not while a fresh one's
 * SETTINGS are unknown), otherwise the exchange queues, first come first
 * served, for at most `acquireTimeout`. Each exchange is sent once; a refused
 * stream comes back as its typed error for the retry policy to judge.
 *
 * The pool's steps are modules of their own over its state
 * (`pool-state.ts`): `acquire`, `dial` (and adopt), `coalescing`, `send`,
 * `drain`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as FiberSet from "effect/FiberSet"
import * as Scope from "effect/Scope"
import { Dialer } from "../../Dialer.js"
import type { Endpoint } from "../../Endpoint.js"
import { ClientClosedError, type RequestsError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import { CurrentObserver } from "../observe/observer.js"
import type { Dialed } from "../transport/dialer.js"
import { dialCounted } from "./acquire.js"
import { misdirected, route } from "./coalescing.js"
import { adopt } from "./dial.js"
import { close, flush } from "./drain.js"
import { type H2Options, resolveOptions } from "./options.js"
import { H2PoolState } from "./pool-state.js"
import { send } from "./send.js"
import { type H2Stats, publish } from "./stats.js"

/**
 * What the HTTP/2 pool offers.
 *
 * @since 0.1.0
 */
export interface H2ConnectionPoolService {
  /**
   * Sends the exchange on a stream to its endpoint (or to the endpoint it is
   * coalesced onto), once: whether it is sent again after a refusal is the
   * retry policy's call. The body is read from the stream on demand.
   */
  readonly exchange: (exchange: Exchange) => Effect.Effect<ExchangeResponse, RequestsError>
  /**
   * Takes over an established socket (TLS with ALPN "h2", or h2c) with the
   * scope it lives in: the scope moves into the pool, which closes it, once,
   * when the connection ends or the pool closes.
   */
  readonly adopt: (
    endpoint: Endpoint,
    dialed: Dialed,
    scope: Scope.CloseableScope
  ) => Effect.Effect<void, RequestsError>
  /**
   * Lets the endpoint's requests ride an open connection of another origin
   * that is authoritative for it (see `coalescing` in `H2Options`); `true`
   * when they will. Resolves the endpoint's host when some connection's
   * certificate names it.
   */
  readonly coalesce: (endpoint: Endpoint) => Effect.Effect<boolean>
  /**
   * The server answered 421 (Misdirected Request) for the endpoint on a
   * coalesced connection: its requests get connections of their own from now on.
   */
  readonly misdirected: (endpoint: Endpoint) => Effect.Effect<void>
  /** Opens connections to the endpoint until it has `connections` (at most `maxConnectionsPerEndpoint`). */
  readonly warm: (endpoint: Endpoint, connections: number) => Effect.Effect<void, RequestsError>
  /** A snapshot of the pool's figures. */
  readonly stats: Effect.Effect<H2Stats>
  /** Closes idle connections and lets busy ones drain: GOAWAY, then close after their last stream. */
  readonly flush: Effect.Effect<void>
}

/** Opens connections to the endpoint until it has `connections` (at most the pool's limit). */
const warm = (
  state: H2PoolState,
  endpoint: Endpoint,
  connections: number
): Effect.Effect<void, RequestsError> =>
  Effect.suspend(() => {
    if (!state.open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
    const queue = state.queueFor(endpoint)
    const missing = Math.min(connections, state.maxConnections) - queue.connections.length - queue.dialing
    if (missing <= 0) return Effect.void
    queue.dialing += missing
    const one = Effect.uninterruptibleMask((restore) =>
      Effect.map(dialCounted(state, endpoint, queue, restore), (connection) => connection.releaseSlot())
    )
    return Effect.all(
      Array.from({ length: missing }, () => one),
      { concurrency: "unbounded", discard: true }
    )
  })

const snapshot = (state: H2PoolState): H2Stats => {
  let connections = 0
  let activeStreams = 0
  let maxConcurrent = 0
  for (const connection of state.scopes.keys()) {
    connections++
    activeStreams += connection.active
    if (!connection.draining) maxConcurrent += connection.limit
  }
  const counters = state.counters
  return {
    connections,
    totalStreams: counters.totalStreams,
    activeStreams,
    maxConcurrent,
    refused: counters.refused,
    resets: counters.resets,
    goaways: counters.goaways
  }
}

/**
 * Builds the pool in the current scope.
 *
 * @internal
 */
export const make = (
  options: H2Options = {}
): Effect.Effect<H2ConnectionPoolService, never, Dialer | Scope.Scope> =>
  Effect.gen(function* () {
    const poolScope = yield* Effect.scope
    // Connections live in a child scope forked before the finalizer below is
    // added, so the finalizer (failing waiters, sending GOAWAY) runs first.
    const connectionsScope = yield* Scope.fork(poolScope, ExecutionStrategy.sequential)
    const state = new H2PoolState(
      resolveOptions(options),
      yield* Dialer,
      yield* CurrentObserver,
      yield* Effect.clock,
      poolScope,
      connectionsScope
    )
    yield* Scope.addFinalizer(poolScope, close(state))
    const stats = Effect.suspend(() => {
      const figures = snapshot(state)
      return Effect.as(publish(figures, state.counters), figures)
    })
    // Metrics follow the pool even when nobody reads its figures; the same
    // round looks for stalled streams, so a request pays no timer of its own.
    const sweep = Effect.sync(() => {
      const now = state.now()
      for (const connection of state.scopes.keys()) if (connection.active > 0) connection.checkStalls(now)
    })
    // The client's own figures ride the same round.
    const rounds = Effect.forever(
      Effect.zipRight(
        state.round.sleep,
        Effect.zipRight(sweep, Effect.zipRight(stats, state.observer.publish))
      )
    )
    const run = yield* FiberSet.runtime(yield* FiberSet.make())()
    // The pool may be built on first use, inside an uninterruptible region whose flags the
    // runtime above captured: the rounds stay interruptible so that closing the pool stops them.
    state.startRounds = () => run(Effect.interruptible(rounds))
    const service: H2ConnectionPoolService = {
      exchange: (exchange: Exchange): Effect.Effect<ExchangeResponse, RequestsError> => send(state, exchange),
      adopt: (endpoint: Endpoint, dialed: Dialed, scope: Scope.CloseableScope) =>
        adopt(state, endpoint, dialed, scope),
      coalesce: (endpoint) => Effect.map(route(state, endpoint), (target) => target !== endpoint),
      misdirected: (endpoint) => Effect.sync(() => misdirected(state, endpoint)),
      warm: (endpoint, connections) => warm(state, endpoint, connections),
      stats,
      flush: flush(state)
    }
    return service
  })
