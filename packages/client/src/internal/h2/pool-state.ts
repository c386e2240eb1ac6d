/**
 * What the HTTP/2 pool knows: its connections and their scopes, the queue of
 * each endpoint, and what coalescing learnt. Plain state, changed by the
 * pool's modules (acquire, dial, coalesce, drain) and from session events.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"
import type { DialerService } from "../transport/dialer.js"
import type { Endpoint } from "../../Endpoint.js"
import { TimeoutError } from "../../Errors.js"
import type { Observer } from "../observe/observer.js"
import type { Authority } from "./coalescing.js"
import type { ConnectionOwner, H2Connection } from "./connection.js"
import { roundFor, StallRound } from "../pool/stall-round.js"
import type { ResolvedH2Options } from "./options.js"
import { EndpointQueue } from "./queue.js"
import { H2Counters } from "./stats.js"

/** @internal */
export class H2PoolState implements ConnectionOwner {
  readonly counters = new H2Counters()
  readonly listening: boolean
  readonly maxConnections: number
  readonly queues = new Map<string, EndpointQueue>()
  /** Every live connection and the scope its socket lives in. */
  readonly scopes = new Map<H2Connection, Scope.CloseableScope>()
  /** What each verified TLS connection can vouch for, when coalescing is on. */
  readonly authorities = new Map<H2Connection, Authority>()
  /** Endpoints whose requests ride the connections of another endpoint. */
  readonly aliases = new Map<string, Endpoint>()
  /** Endpoints a server said were misdirected on a shared connection. */
  readonly ownConnections = new Set<string>()
  /** Coalescing checks under way, so a cold burst resolves the host once. */
  readonly checking = new Map<string, Deferred.Deferred<Endpoint>>()
  /** Completes when the pool is closing and its last connection is gone. */
  readonly allClosed = Deferred.unsafeMake<void>(FiberId.none)
  open = true
  /**
   * Starts the pool's rounds; set by the pool, run with the first endpoint,
   * so that a client that never speaks HTTP/2 runs no timer for it.
   */
  startRounds: () => void = () => {}
  private roundsStarted = false
  /** The housekeeping round that looks for stalled streams, shortened by requests with deadlines of their own. */
  readonly round: StallRound

  constructor(
    readonly options: ResolvedH2Options,
    readonly dialer: DialerService,
    readonly observer: Observer,
    private readonly clock: { unsafeCurrentTimeMillis(): number },
    /** The pool's own scope: background work (deadline watchers, coalescing checks) runs here. */
    readonly poolScope: Scope.Scope,
    /** Parent of every connection's scope, closed after the pool's own finalizer. */
    readonly connectionsScope: Scope.Scope
  ) {
    this.listening = observer.listener !== undefined
    this.maxConnections = options.strictMaxConcurrentStreams ? 1 : options.maxConnectionsPerEndpoint
    this.round = new StallRound(roundFor(options.headersTimeout, options.bodyTimeout))
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  queueFor(endpoint: Endpoint): EndpointQueue {
    let queue = this.queues.get(endpoint.key)
    if (queue === undefined) {
      queue = new EndpointQueue(endpoint.key, this.maxConnections, () => this.acquireTimeoutError(endpoint))
      this.queues.set(endpoint.key, queue)
      if (!this.roundsStarted) {
        this.roundsStarted = true
        this.startRounds()
      }
    }
    return queue
  }

  /** Drops the endpoint's queue once nothing is left in it. */
  forgetIfEmpty(queue: EndpointQueue): void {
    if (queue.isEmpty && this.queues.get(queue.key) === queue) this.queues.delete(queue.key)
  }

  acquireTimeoutError(endpoint: Endpoint): TimeoutError {
    return new TimeoutError({
      endpoint: endpoint.key,
      phase: "acquire",
      protocol: "h2",
      timeoutMillis: this.options.acquireTimeout
    })
  }

  // --- ConnectionOwner: called from session events, outside any fiber ---------------

  capacityChanged(connection: H2Connection): void {
    const queue = this.queues.get(connection.endpointKey)
    if (queue === undefined) return
    if (connection.draining) queue.remove(connection)
    if (queue.hasWaiters) queue.dispatch()
  }

  closed(connection: H2Connection): void {
    this.authorities.delete(connection)
    if (this.listening) {
      this.observer.emit({
        _tag: "Released",
        endpoint: connection.endpointKey,
        protocol: "h2",
        requests: connection.streamsOpened
      })
    }
    const queue = this.queues.get(connection.endpointKey)
    if (queue !== undefined) {
      queue.remove(connection)
      const startup = connection.startupFailure
      // Requests queued for a connection that never became usable share its fate
      // rather than dial again, unless another connection may still serve them.
      if (startup !== undefined && queue.connections.length === 0 && queue.dialing === 0) {
        queue.failAll(startup)
      } else if (queue.hasWaiters) {
        queue.dispatch()
      }
      this.forgetIfEmpty(queue)
    }
    const scope = this.scopes.get(connection)
    if (scope !== undefined) {
      this.scopes.delete(connection)
      // The finalizers are synchronous; a fiber runs them since no fiber is at hand here.
      Effect.runFork(Scope.close(scope, Exit.void))
    }
    if (!this.open && this.scopes.size === 0) Deferred.unsafeDone(this.allClosed, Exit.void)
  }
}
