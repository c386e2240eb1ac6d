/**
 * `H1Pool`: owns every HTTP/1.1 connection. Requests borrow a connection,
 * use it for an exchange, and the connection comes back when the exchange
 * completes cleanly.
 *
 * Connections per endpoint (and overall) are limited by Effect semaphores:
 * a dial takes a permit, and the connection's scope gives it back when the
 * connection closes. A request that finds no connection waits in line and is
 * handed the first one that frees up, or the one dialed for it.
 *
 * @since 0.1.0
 */
import type * as net from "node:net"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import {
  ClientClosedError,
  ClosedError,
  type ConnectError,
  TimeoutError,
  type TlsError
} from "../../Errors.js"
import { CurrentObserver } from "../observe/observer.js"
import { Dialer } from "../../Dialer.js"
import type { Dialed } from "../transport/dialer.js"
import { type ConnectionOwner, H1Connection } from "./connection.js"
import { type AcquireError, EndpointPool, type Waiter } from "./endpoint-pool.js"
import { type H1Options, resolveH1Options } from "./options.js"
import { type H1Stats, publish, total } from "./pool-stats.js"
import { Ticket } from "./ticket.js"
import { transferScope } from "../pool/adopt-scope.js"

export type { H1Options } from "./options.js"
export type { H1EndpointState, H1EndpointStats, H1Stats } from "./pool-stats.js"

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
  /** Whether requests to the endpoint may still be pipelined. */
  readonly pipelining: (endpoint: Endpoint) => boolean
  /** The pool's figures now. */
  readonly stats: Effect.Effect<H1Stats>
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
  ) => Effect.Effect<void, ConnectError | TlsError | TimeoutError | ClientClosedError>
}

/**
 * Builds the pool's connections in the current scope.
 *
 * @internal
 */
export const make = (options: H1Options = {}): Effect.Effect<H1Connections, never, Dialer | Scope.Scope> =>
  Effect.gen(function* () {
    const config = resolveH1Options(options)
    const dialer = yield* Dialer
    const clock = yield* Effect.clock
    const poolScope = yield* Effect.scope
    const observer = yield* CurrentObserver
    const fibers = yield* FiberSet.make()
    // Connections live in a scope of their own, made before the drain below is
    // registered: finalizers run in reverse, so requests in flight get to finish
    // before their sockets close.
    const connectionsScope = yield* Scope.fork(poolScope, ExecutionStrategy.sequential)
    const runFork = yield* FiberSet.runtime(fibers)()
    const global = yield* Effect.makeSemaphore(
      Number.isFinite(config.maxConnections) ? config.maxConnections : 1
    )
    const limitGlobal = Number.isFinite(config.maxConnections)
    const endpoints = new Map<string, EndpointPool>()
    const slots = new Map<EndpointPool, Effect.Semaphore>()
    const scopes = new Map<H1Connection, Scope.CloseableScope>()
    const drained = yield* Deferred.make<void>()
    let open = true
    let openTotal = 0

    const stateOf = (endpoint: Endpoint): EndpointPool => {
      let state = endpoints.get(endpoint.key)
      if (state === undefined) {
        const socket = config.sockets[`${endpoint.host}:${endpoint.port}`]
        state = new EndpointPool(endpoint, config, clock, socket !== undefined)
        endpoints.set(endpoint.key, state)
        slots.set(state, Effect.unsafeMakeSemaphore(config.maxConnectionsPerEndpoint))
        if (socket !== undefined) adoptUserSocket(state, socket)
      }
      return state
    }

    const busyCount = () => {
      let busy = 0
      for (const state of endpoints.values()) for (const c of state.connections) if (c.load > 0) busy++
      return busy
    }

    const owner: ConnectionOwner = {
      release(connection) {
        const state = endpoints.get(connection.endpoint.key)
        if (state === undefined || !open) {
          if (connection.load === 0) connection.destroy()
          return
        }
        if (state.retired(connection, state.now())) {
          connection.retiring = true
          if (connection.load === 0) connection.destroy()
          return
        }
        state.serve(connection)
      },
      closed(connection, failed) {
        if (observer.listener !== undefined) {
          observer.emit({
            _tag: "Released",
            endpoint: connection.endpoint.key,
            protocol: "http/1.1",
            requests: connection.uses
          })
        }
        const state = endpoints.get(connection.endpoint.key)
        if (state !== undefined) {
          state.forget(connection)
          state.counters.closed++
          if (failed) state.counters.errors++
        }
        openTotal--
        const scope = scopes.get(connection)
        if (scope !== undefined) {
          scopes.delete(connection)
          // Socket events arrive outside any fiber; closing the scope gives the permits back.
          runFork(Scope.close(scope, Exit.void))
        }
        if (!open) {
          if (busyCount() === 0) Deferred.unsafeDone(drained, Exit.void)
        } else if (state !== undefined) {
          if (state.userSocket) failWaiters(state, userSocketGone(state))
          else demand(state)
        }
      },
      pipelineRefused(connection) {
        const state = endpoints.get(connection.endpoint.key)
        if (state !== undefined) state.pipelining = false
      }
    }

    const userSocketGone = (state: EndpointPool) =>
      new ClosedError({
        endpoint: state.endpoint.key,
        protocol: "http/1.1",
        phase: "acquire",
        reused: false,
        responseStarted: false,
        cause: "the socket supplied for this endpoint is closed"
      })

    const adoptUserSocket = (state: EndpointPool, socket: net.Socket) => {
      const connection = new H1Connection(state.endpoint, socket, owner, config, false)
      connection.createdAt = connection.idleSince = state.now()
      state.connections.add(connection)
      state.idle.push(connection)
      openTotal++
    }

    const failWaiters = (state: EndpointPool, error: ClosedError | ClientClosedError) => {
      for (const waiter of state.retries.splice(0)) waiter.resume(Effect.fail(error))
      for (const waiter of state.waiters.splice(0)) waiter.resume(Effect.fail(error))
    }

    /** Closes the least recently used idle connection of any endpoint, to free a global permit. */
    const evictIdle = () => {
      let oldest: { state: EndpointPool; connection: H1Connection } | undefined
      for (const state of endpoints.values()) {
        const connection = state.idle[0]
        if (
          connection !== undefined &&
          (oldest === undefined || connection.idleSince < oldest.connection.idleSince)
        ) {
          oldest = { state, connection }
        }
      }
      oldest?.connection.destroy()
    }

    /**
     * Dials a connection under the endpoint's (and the global) semaphore. The
     * permits belong to the connection's scope, so they come back however
     * the connection ends, or if the dial fails or is interrupted.
     */
    const dial = (
      state: EndpointPool,
      wanted: () => boolean
    ): Effect.Effect<H1Connection | undefined, ConnectError | TlsError | TimeoutError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const scope = yield* Scope.fork(connectionsScope, ExecutionStrategy.sequential)
          const release = (cause: Exit.Exit<unknown, unknown>) => Scope.close(scope, cause)
          const endpointSlots = slots.get(state)!
          yield* restore(endpointSlots.take(1)).pipe(Effect.onInterrupt(() => release(Exit.void)))
          yield* Scope.addFinalizer(scope, endpointSlots.release(1))
          // The wait may have outlived the need: others' connections served the waiters.
          if (!wanted()) {
            yield* release(Exit.void)
            return undefined
          }
          if (limitGlobal) {
            if (openTotal >= config.maxConnections) evictIdle()
            yield* restore(global.take(1)).pipe(Effect.onInterrupt(() => release(Exit.void)))
            yield* Scope.addFinalizer(scope, global.release(1))
          }
          const dialed = yield* restore(Scope.extend(dialer.dial(state.endpoint), scope)).pipe(
            Effect.onError((cause) => release(Exit.failCause(cause)))
          )
          const connection = new H1Connection(state.endpoint, dialed.socket, owner, config)
          connection.createdAt = connection.idleSince = state.now()
          scopes.set(connection, scope)
          state.connections.add(connection)
          state.counters.created++
          openTotal++
          return connection
        })
      )

    /** Starts dials for waiting requests no connection or dial under way will serve. */
    const demand = (state: EndpointPool) => {
      while (
        open &&
        !state.userSocket &&
        state.unserved > 0 &&
        state.committed < config.maxConnectionsPerEndpoint
      ) {
        state.dialing++
        runFork(
          dial(state, () => state.waiting > 0).pipe(
            Effect.matchEffect({
              onFailure: (error) =>
                Effect.sync(() => {
                  state.counters.errors++
                  ;(state.retries.shift() ?? state.waiters.shift())?.resume(Effect.fail(error))
                }),
              onSuccess: (connection) => Effect.sync(() => connection && state.serve(connection))
            }),
            Effect.ensuring(
              Effect.sync(() => {
                state.dialing--
                demand(state)
              })
            )
          )
        )
      }
    }

    const giveBack = (connection: H1Connection) => {
      if (connection.load > 0 || connection.closed) return
      owner.release(connection)
    }

    const acquireTimeout = (endpoint: Endpoint) =>
      new TimeoutError({
        endpoint: endpoint.key,
        phase: "acquire",
        protocol: "http/1.1",
        timeoutMillis: config.acquireTimeout
      })

    /**
     * Fails waiters whose `acquireTimeout` passed. Every waiter of an endpoint
     * waits the same time, so the oldest always expires first: one sleeping
     * fiber per endpoint with waiters, instead of a timer raced against each.
     */
    const watchDeadlines = (state: EndpointPool): Effect.Effect<void> =>
      Effect.suspend(() => {
        const oldest = state.waiters[0]
        if (oldest === undefined) {
          state.watching = false
          return Effect.void
        }
        const wait = oldest.deadline - state.now()
        if (wait > 0) return Effect.zipRight(Effect.sleep(wait), watchDeadlines(state))
        state.waiters.shift()
        oldest.resume(Effect.fail(acquireTimeout(state.endpoint)))
        return watchDeadlines(state)
      }).pipe(Effect.onInterrupt(() => Effect.sync(() => (state.watching = false))))

    const acquire = (endpoint: Endpoint, pipelined: boolean, ticket: Ticket) =>
      Effect.suspend((): Effect.Effect<H1Connection, AcquireError> => {
        if (!open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
        const state = stateOf(endpoint)
        const ready = state.pick(pipelined)
        if (ready !== undefined) {
          ticket.hold(ready)
          return Effect.succeed(ready)
        }
        if (state.userSocket && state.connections.size === 0) return Effect.fail(userSocketGone(state))
        return Effect.async<H1Connection, AcquireError>((resume) => {
          const waiter: Waiter = { pipelined, ticket, resume, deadline: state.now() + config.acquireTimeout }
          state.waiters.push(waiter)
          demand(state)
          if (!state.watching) {
            state.watching = true
            runFork(watchDeadlines(state))
          }
          return Effect.sync(() => {
            const i = state.waiters.indexOf(waiter)
            if (i >= 0) state.waiters.splice(i, 1)
          })
        })
      })

    const acquireFresh = (endpoint: Endpoint, ticket: Ticket) =>
      Effect.suspend((): Effect.Effect<H1Connection, AcquireError> => {
        if (!open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
        const state = stateOf(endpoint)
        if (state.userSocket) return acquire(endpoint, false, ticket)
        // At the limit, the least recently used idle connection makes room: it is likely as stale as the one that failed.
        if (state.committed >= config.maxConnectionsPerEndpoint) state.idle.shift()?.destroy()
        const fresh =
          state.committed < config.maxConnectionsPerEndpoint
            ? dialFresh(state, ticket)
            : awaitServed(state, ticket)
        return Effect.timeoutFail(fresh, {
          duration: config.acquireTimeout,
          onTimeout: () => acquireTimeout(endpoint)
        })
      })

    /** Dials a connection of its own for a re-sent request; counted so the queue's dials leave it a permit. */
    const dialFresh = (state: EndpointPool, ticket: Ticket): Effect.Effect<H1Connection, AcquireError> =>
      Effect.suspend(() => {
        state.freshDials++
        return dial(state, () => true).pipe(
          Effect.flatMap((connection) =>
            connection === undefined
              ? Effect.die("a wanted dial produced no connection")
              : Effect.succeed(connection)
          ),
          Effect.tap((connection) => Effect.sync(() => ticket.hold(connection))),
          Effect.ensuring(
            Effect.sync(() => {
              state.freshDials--
              demand(state)
            })
          )
        )
      })

    /** Waits, ahead of the queue, for the next connection dialed or released. */
    const awaitServed = (state: EndpointPool, ticket: Ticket): Effect.Effect<H1Connection, AcquireError> =>
      Effect.async<H1Connection, AcquireError>((resume) => {
        const waiter: Waiter = { pipelined: false, ticket, resume, deadline: Number.POSITIVE_INFINITY }
        state.retries.push(waiter)
        demand(state)
        return Effect.sync(() => {
          const i = state.retries.indexOf(waiter)
          if (i >= 0) state.retries.splice(i, 1)
        })
      })

    const tryAcquire = (endpoint: Endpoint, pipelined: boolean): H1Connection | undefined => {
      if (!open) return undefined
      const state = endpoints.get(endpoint.key)
      return state === undefined ? undefined : state.pick(pipelined)
    }

    const snapshot = () => {
      const perEndpoint: Record<string, ReturnType<EndpointPool["stats"]>> = {}
      for (const [key, state] of endpoints) perEndpoint[key] = state.stats()
      return perEndpoint
    }

    const publishAll = Effect.suspend(() =>
      Effect.forEach(endpoints, ([key, state]) => publish(key, state.stats(), state.counters), {
        discard: true
      })
    )

    const stats = Effect.zipRight(
      publishAll,
      Effect.sync(() => total(snapshot()))
    )

    const closeIdle = () => {
      for (const state of endpoints.values()) for (const c of state.idle.splice(0)) c.destroy()
    }

    const flush = Effect.sync(() => {
      for (const state of endpoints.values()) {
        for (const connection of state.connections) connection.retiring = true
      }
      closeIdle()
    })

    /** Closes connections idle past their window, and publishes the figures. */
    const housekeeping = Effect.gen(function* () {
      const interval = Math.max(100, Math.min(config.idleTimeout / 2, 5_000))
      while (true) {
        yield* Effect.sleep(interval)
        for (const state of endpoints.values()) state.reap()
        yield* publishAll
      }
    })
    yield* FiberSet.run(fibers, housekeeping)

    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        open = false
        for (const state of endpoints.values())
          failWaiters(state, new ClientClosedError({ endpoint: state.endpoint.key }))
        closeIdle()
        // Past the deadline the remaining connections are closed below, in-flight or not.
        // Finalizers run uninterruptibly: the wait must be made interruptible, or the
        // deadline could not cut it short.
        if (busyCount() > 0) {
          yield* Effect.timeoutOption(Effect.interruptible(Deferred.await(drained)), config.closeTimeout)
        }
        for (const state of endpoints.values()) {
          const closed = new ClientClosedError({ endpoint: state.endpoint.key })
          for (const c of [...state.connections]) c.terminate(closed)
        }
      })
    )

    const adopt = (endpoint: Endpoint, dialed: Dialed, adopted: Scope.CloseableScope): Effect.Effect<void> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          if (!open) return yield* Scope.close(adopted, Exit.void)
          const state = stateOf(endpoint)
          const scope = yield* transferScope(adopted, connectionsScope)
          const endpointSlots = slots.get(state)!
          yield* restore(endpointSlots.take(1)).pipe(Effect.onInterrupt(() => Scope.close(scope, Exit.void)))
          yield* Scope.addFinalizer(scope, endpointSlots.release(1))
          const connection = new H1Connection(endpoint, dialed.socket, owner, config)
          connection.createdAt = connection.idleSince = state.now()
          scopes.set(connection, scope)
          state.connections.add(connection)
          state.counters.created++
          openTotal++
          state.serve(connection)
        })
      )

    const warm = (endpoint: Endpoint, connections: number) =>
      Effect.suspend((): Effect.Effect<void, ConnectError | TlsError | TimeoutError | ClientClosedError> => {
        if (!open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
        const state = stateOf(endpoint)
        if (state.userSocket) return Effect.void
        const wanted = Math.min(connections, config.maxConnectionsPerEndpoint)
        const missing = wanted - state.committed
        if (missing <= 0) return Effect.void
        state.dialing += missing
        const one = dial(state, () => true).pipe(
          Effect.tap((connection) => Effect.sync(() => connection && state.serve(connection))),
          Effect.ensuring(Effect.sync(() => state.dialing--))
        )
        return Effect.all(
          Array.from({ length: missing }, () => one),
          { concurrency: "unbounded", discard: true }
        )
      })

    return {
      adopt,
      warm,
      tryAcquire,
      acquire,
      acquireFresh,
      ticket: () => new Ticket(giveBack),
      pipelining: (endpoint) => endpoints.get(endpoint.key)?.pipelining ?? config.pipelining > 1,
      stats,
      flush
    }
  })
