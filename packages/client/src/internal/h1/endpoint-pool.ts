/**
 * The connections of one endpoint and the requests waiting for them: which
 * connection a request gets, and who gets a connection that frees up.
 * Synchronous state, changed only from the pool and from socket events.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Endpoint } from "../../Endpoint.js"
import {
  type ClientClosedError,
  type ClosedError,
  type ConnectError,
  type ProxyError,
  TimeoutError,
  type TlsError
} from "../../Errors.js"
import type { DeadlineLine } from "../pool/deadline-watch.js"
import type { H1Connection } from "./connection.js"
import { reuseWindow, type ResolvedH1Options } from "./options.js"
import { EndpointCounters, type H1EndpointState } from "./pool-stats.js"
import { checkStall } from "./stall.js"
import type { Ticket } from "./ticket.js"

/**
 * What acquiring a connection can fail with.
 *
 * @since 0.1.0
 */
export type AcquireError =
  ConnectError | TlsError | TimeoutError | ClientClosedError | ClosedError | ProxyError

/** A request waiting for a connection. @internal */
export interface Waiter {
  /** Whether the request may be written behind others on a busy connection. */
  readonly pipelined: boolean
  readonly ticket: Ticket
  readonly resume: (effect: Effect.Effect<H1Connection, AcquireError>) => void
  /** Clock time in ms past which the request gives up waiting. */
  readonly deadline: number
}

/** @internal */
export class EndpointPool implements DeadlineLine {
  readonly connections = new Set<H1Connection>()
  /** Connections with nothing in flight; the most recently used last. */
  readonly idle: Array<H1Connection> = []
  readonly waiters: Array<Waiter> = []
  /**
   * Requests re-sent after a stale connection that found the endpoint at its
   * limit with nothing idle to close: served before `waiters`, by the next
   * connection dialed or just released (neither can be stale), since a dial
   * of their own would compete for the permits the queue's dials take.
   */
  readonly retries: Array<Waiter> = []
  /** Dials of re-sent requests, which count against the limit but serve no waiter. */
  freshDials = 0
  readonly counters = new EndpointCounters()
  /** Dials started for waiting requests and not finished. */
  dialing = 0
  /** Whether a fiber is watching the waiters' deadlines. */
  watching = false
  /** Cleared for good once the server shows it does not answer pipelined requests. */
  pipelining: boolean
  /**
   * The endpoint's connection slots: a dial (or an adoption) takes a permit,
   * and the connection's scope gives it back when the connection ends.
   */
  readonly slots: Effect.Semaphore

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ResolvedH1Options,
    private readonly clock: Clock.Clock,
    /** Set when the user handed in the socket: there is nothing to dial. */
    readonly userSocket: boolean
  ) {
    this.pipelining = options.pipelining > 1
    this.slots = Effect.unsafeMakeSemaphore(options.maxConnectionsPerEndpoint)
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  /** Whether an idle connection may carry another request now. */
  private reusable(connection: H1Connection, now: number): boolean {
    return (
      connection.writable &&
      now - connection.idleSince < reuseWindow(this.options.idleTimeout, connection.keepAliveTimeout) &&
      !this.retired(connection, now)
    )
  }

  /** Past its lifetime or its uses: finish what it carries, take nothing more. */
  retired(connection: H1Connection, now: number): boolean {
    return (
      connection.uses >= this.options.maxUses ||
      now - connection.createdAt >= this.options.maxLifetime ||
      (connection.remainingUses !== undefined && connection.remainingUses <= 0)
    )
  }

  /**
   * A connection a request can write on right now: the most recently used
   * idle one, else (for a request that may be pipelined) the open one with
   * the least in flight and room left.
   */
  pick(pipelined: boolean): H1Connection | undefined {
    const now = this.now()
    let connection = this.idle.pop()
    while (connection !== undefined) {
      if (connection.load === 0 && this.reusable(connection, now)) {
        if (connection.uses > 0) this.counters.reused++
        return connection
      }
      // Idle past its window: the server may be closing it right now.
      if (connection.load === 0) connection.destroy()
      connection = this.idle.pop()
    }
    if (!pipelined || !this.pipelining) return undefined
    let best: H1Connection | undefined
    for (const candidate of this.connections) {
      if (candidate.writable && candidate.load < this.options.pipelining && !this.retired(candidate, now)) {
        if (best === undefined || candidate.load < best.load) best = candidate
      }
    }
    if (best !== undefined) this.counters.reused++
    return best
  }

  /**
   * Offers a connection that has room to the waiting requests, re-sent ones
   * first, then first come first served; if it ends up with nothing in
   * flight it becomes idle.
   */
  serve(connection: H1Connection): void {
    while (connection.writable) {
      const queue = this.retries.length > 0 ? this.retries : this.waiters
      const waiter = queue[0]
      if (waiter === undefined) break
      const busy = connection.load > 0
      if (busy && !(waiter.pipelined && this.pipelining && connection.load < this.options.pipelining)) break
      queue.shift()
      if (busy || connection.uses > 0) this.counters.reused++
      waiter.ticket.hold(connection)
      waiter.resume(Effect.succeed(connection))
    }
    if (connection.load === 0 && connection.writable) {
      connection.idleSince = this.now()
      this.idle.push(connection)
    }
  }

  /** Closes idle connections past their reuse window, lifetime or uses, and busy ones that stalled. */
  reap(): void {
    const now = this.now()
    for (const connection of this.connections) checkStall(connection, now, this.options)
    for (const connection of this.idle.slice()) {
      if (connection.load === 0 && !this.reusable(connection, now)) connection.destroy()
    }
  }

  oldestDeadline(): number | undefined {
    return this.waiters[0]?.deadline
  }

  expireOldest(): void {
    this.waiters.shift()?.resume(
      Effect.fail(
        new TimeoutError({
          endpoint: this.endpoint.key,
          phase: "acquire",
          protocol: "http/1.1",
          timeoutMillis: this.options.acquireTimeout
        })
      )
    )
  }

  /** Requests waiting that no dial under way will serve. */
  get unserved(): number {
    const perConnection = this.pipelining ? this.options.pipelining : 1
    return this.waiting - this.dialing * perConnection
  }

  /** Requests waiting for a connection, re-sent ones included. */
  get waiting(): number {
    return this.waiters.length + this.retries.length
  }

  /** Connections open or being dialed, against `maxConnectionsPerEndpoint`. */
  get committed(): number {
    return this.connections.size + this.dialing + this.freshDials
  }

  forget(connection: H1Connection): void {
    this.connections.delete(connection)
    const i = this.idle.indexOf(connection)
    if (i >= 0) this.idle.splice(i, 1)
  }

  stats(): H1EndpointState {
    let idle = 0
    for (const connection of this.connections) if (connection.load === 0) idle++
    const c = this.counters
    return {
      open: this.connections.size,
      idle,
      inUse: this.connections.size - idle,
      created: c.created,
      reused: c.reused,
      closed: c.closed,
      errors: c.errors,
      waiting: this.waiting,
      pipelining: this.pipelining
    }
  }
}
