/**
 * What the HTTP/1.1 pool knows: the endpoints and their connections, the
 * scope each connection lives in, and the pool-wide limit. Plain state,
 * changed by the pool's modules (acquire, dial, drain) and from socket
 * events through the `ConnectionOwner` side.
 *
 * @internal
 */
import type * as net from "node:net"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import type { ClientClosedError } from "../../Errors.js"
import { ClosedError } from "../../Errors.js"
import type { Observer } from "../observe/observer.js"
import { MIN_ROUND, StallRound } from "../pool/stall-round.js"
import type { DialerService } from "../transport/dialer.js"
import { type ConnectionOwner, H1Connection } from "./connection.js"
import { EndpointPool } from "./endpoint-pool.js"
import type { ResolvedH1Options } from "./options.js"
import { stallRound } from "./stall.js"

/** Runs an effect in the pool's fiber set, from outside any fiber. */
type RunFork = (effect: Effect.Effect<unknown, unknown>) => unknown

/** @internal */
export class H1PoolState implements ConnectionOwner {
  readonly endpoints = new Map<string, EndpointPool>()
  /** The scope each dialed or adopted connection lives in. */
  readonly scopes = new Map<H1Connection, Scope.CloseableScope>()
  /** Completes when the pool is closing and nothing is in flight any more. */
  readonly drained = Deferred.unsafeMake<void>(FiberId.none)
  /** Connections open across all endpoints, against `maxConnections`. */
  readonly global: Effect.Semaphore
  readonly limitGlobal: boolean
  open = true
  openTotal = 0
  /** The housekeeping round: reaping idle connections, and looking for stalled ones. */
  readonly round: StallRound
  /** Starts dials for the endpoint's waiters; set by the pool once its dial step exists. */
  demand: (state: EndpointPool) => void = () => {}
  /**
   * Starts the pool's housekeeping rounds; set by the pool, run with the
   * first endpoint, so that a client that never connects runs no timer.
   */
  startRounds: () => void = () => {}
  private roundsStarted = false

  constructor(
    readonly config: ResolvedH1Options,
    readonly dialer: DialerService,
    readonly observer: Observer,
    private readonly clock: Clock.Clock,
    /** Parent of every connection's scope, closed after the pool's own finalizer. */
    readonly connectionsScope: Scope.Scope,
    readonly runFork: RunFork
  ) {
    this.limitGlobal = Number.isFinite(config.maxConnections)
    this.global = Effect.unsafeMakeSemaphore(this.limitGlobal ? config.maxConnections : 1)
    this.round = new StallRound(Math.max(MIN_ROUND, Math.min(config.idleTimeout / 2, stallRound(config))))
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  stateOf(endpoint: Endpoint): EndpointPool {
    let state = this.endpoints.get(endpoint.key)
    if (state === undefined) {
      const socket = this.config.sockets[`${endpoint.host}:${endpoint.port}`]
      state = new EndpointPool(endpoint, this.config, this.clock, socket !== undefined)
      this.endpoints.set(endpoint.key, state)
      if (!this.roundsStarted) {
        this.roundsStarted = true
        this.startRounds()
      }
      if (socket !== undefined) this.adoptUserSocket(state, socket)
    }
    return state
  }

  /** Connections with an exchange in flight or promised. */
  busyCount(): number {
    let busy = 0
    for (const state of this.endpoints.values()) for (const c of state.connections) if (c.load > 0) busy++
    return busy
  }

  /** Puts a connection made from a socket in the pool, ready for the endpoint's waiters. */
  track(state: EndpointPool, connection: H1Connection, scope: Scope.CloseableScope | undefined): void {
    connection.createdAt = connection.idleSince = state.now()
    if (scope !== undefined) this.scopes.set(connection, scope)
    state.connections.add(connection)
    state.counters.created++
    this.openTotal++
  }

  userSocketGone(state: EndpointPool): ClosedError {
    return new ClosedError({
      endpoint: state.endpoint.key,
      protocol: "http/1.1",
      phase: "acquire",
      reused: false,
      responseStarted: false,
      cause: "the socket supplied for this endpoint is closed"
    })
  }

  private adoptUserSocket(state: EndpointPool, socket: net.Socket): void {
    const connection = new H1Connection(state.endpoint, socket, this, this.config, false)
    connection.createdAt = connection.idleSince = state.now()
    state.connections.add(connection)
    state.idle.push(connection)
    this.openTotal++
  }

  failWaiters(state: EndpointPool, error: ClosedError | ClientClosedError): void {
    for (const waiter of state.retries.splice(0)) waiter.resume(Effect.fail(error))
    for (const waiter of state.waiters.splice(0)) waiter.resume(Effect.fail(error))
  }

  /** Closes the least recently used idle connection of any endpoint, to free a global permit. */
  evictIdle(): void {
    let oldest: H1Connection | undefined
    for (const state of this.endpoints.values()) {
      // A socket the user handed in holds no permit: letting it go frees nothing, and loses its endpoint.
      if (state.userSocket) continue
      const connection = state.idle[0]
      if (connection !== undefined && (oldest === undefined || connection.idleSince < oldest.idleSince)) {
        oldest = connection
      }
    }
    oldest?.destroy()
  }

  // --- ConnectionOwner: called from socket events, outside any fiber ---------------

  release(connection: H1Connection): void {
    const state = this.endpoints.get(connection.endpoint.key)
    if (state === undefined || !this.open) {
      if (connection.load === 0) connection.destroy()
      return
    }
    // Flushed, or past its lifetime or uses: what it still carries finishes on it, then it closes.
    if (connection.retiring || state.retired(connection, state.now())) {
      connection.retiring = true
      if (connection.load === 0) connection.destroy()
      return
    }
    state.serve(connection)
  }

  closed(connection: H1Connection, failed: boolean): void {
    if (this.observer.listener !== undefined) {
      this.observer.emit({
        _tag: "Released",
        endpoint: connection.endpoint.key,
        protocol: "http/1.1",
        requests: connection.uses
      })
    }
    const state = this.endpoints.get(connection.endpoint.key)
    if (state !== undefined) {
      state.forget(connection)
      state.counters.closed++
      if (failed) state.counters.errors++
    }
    this.openTotal--
    const scope = this.scopes.get(connection)
    if (scope !== undefined) {
      this.scopes.delete(connection)
      // Closing the scope gives the connection's permits back.
      this.runFork(Scope.close(scope, Exit.void))
    }
    if (!this.open) {
      if (this.busyCount() === 0) Deferred.unsafeDone(this.drained, Exit.void)
    } else if (state !== undefined) {
      if (state.userSocket) this.failWaiters(state, this.userSocketGone(state))
      else this.demand(state)
    }
  }

  pipelineRefused(connection: H1Connection): void {
    const state = this.endpoints.get(connection.endpoint.key)
    if (state !== undefined) state.pipelining = false
  }
}
