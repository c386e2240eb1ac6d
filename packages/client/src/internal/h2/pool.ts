/**
 * `H2ConnectionPool`: owns every HTTP/2 connection and places each request
 * on a stream of one of them, within the limits the servers announce.
 *
 * A request takes a slot on the fullest connection to its endpoint that has
 * one; when none has, a new connection is dialed (up to
 * `maxConnectionsPerEndpoint`, one at a time, and not while a fresh one's
 * SETTINGS are unknown), otherwise the request queues, first come first
 * served, for at most `acquireTimeout`. A stream refused (REFUSED_STREAM) or
 * above a GOAWAY's last stream id was never processed: a replay-safe request
 * is sent again: once after REFUSED_STREAM, up to {@link MAX_GOAWAY_REPLAYS}
 * times after GOAWAYs.
 *
 * @since 0.1.0
 */
import {
  Cause,
  Context,
  Deferred,
  Effect,
  ExecutionStrategy,
  Exit,
  FiberId,
  Layer,
  Option,
  Scope
} from "effect"
import type { Endpoint } from "../../Endpoint.js"
import {
  ClientClosedError,
  ClosedError,
  type ConnectError,
  ProtocolError,
  type RequestsError,
  TimeoutError,
  type TlsError
} from "../../Errors.js"
import { CurrentObserver } from "../observe/observer.js"
import { type Dialed, Dialer, type DialRequest } from "../transport/dialer.js"
import { type Authority, addressCovers, authorityOf, certificateCovers, originKey } from "./coalescing.js"
import { REFUSED_STREAM } from "./codes.js"
import { type ConnectionOwner, H2Connection } from "./connection.js"
import { keepAlive, needsPingBeforeReuse, ping } from "./health.js"
import { type H2Options, resolveOptions } from "./options.js"
import { EndpointQueue, type Grant, Waiter } from "./queue.js"
import type { H2Request, H2Response } from "./request.js"
import { H2Counters, type H2Stats, publish } from "./stats.js"
import { H2Stream } from "./stream.js"

export type { H2Options } from "./options.js"
export type { H2Request, H2Response } from "./request.js"
export type { H2Stats } from "./stats.js"

/**
 * The HTTP/2 connection pool.
 *
 * @since 0.1.0
 */
export class H2ConnectionPool extends Context.Tag("@effect-requests/client/H2ConnectionPool")<
  H2ConnectionPool,
  {
    /** Sends the request on a stream to the endpoint; the body is read from the stream on demand. */
    readonly request: (endpoint: Endpoint, request: H2Request) => Effect.Effect<H2Response, RequestsError>
    /**
     * Adopts an already-established socket (TLS with ALPN "h2", or h2c) into
     * the pool as a new connection; the pool takes over the given scope and
     * closes it when the connection ends.
     */
    readonly adopt: (
      endpoint: Endpoint,
      dialed: Dialed,
      scope: Scope.CloseableScope
    ) => Effect.Effect<void, RequestsError>
    /**
     * Lets the endpoint's requests ride an open connection of another origin
     * that is authoritative for it (see `coalescing` in {@link H2Options});
     * `true` when they will. Resolves the endpoint's host when some
     * connection's certificate names it.
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
>() {
  /**
   * The pool as a scoped layer: closing it sends GOAWAY on every connection,
   * fails requests still waiting for a stream, lets streams in flight finish
   * for up to `closeTimeout`, then closes every connection.
   *
   * @since 0.1.0
   */
  static readonly layer = (options: H2Options = {}): Layer.Layer<H2ConnectionPool, never, Dialer> =>
    Layer.scoped(H2ConnectionPool, make(options))
}

const dialH2: DialRequest = { alpnProtocols: ["h2"] }

/**
 * How many times one request may be replayed after GOAWAYs left it
 * unprocessed. Servers that close connections after a number of requests
 * (nginx's `keepalive_requests`) send GOAWAY on every connection in turn, and
 * connections opened together reach their limit together: a replay can meet
 * the next GOAWAY, and the one after. Such streams are safe to send again any
 * number of times; the bound only stops a server that turns everything away
 * from keeping a request forever. REFUSED_STREAM is different: it says the
 * server is busy now, so it earns one replay, not a loop.
 */
const MAX_GOAWAY_REPLAYS = 8

/** Why the server left the request unprocessed, if it provably did. */
const unprocessed = (error: RequestsError): "RefusedStream" | "GoAway" | undefined => {
  if (error._tag === "StreamResetError") {
    return error.code === REFUSED_STREAM && error.phase !== "body" ? "RefusedStream" : undefined
  }
  if (error._tag === "GoAwayError") {
    return error.streamId > error.lastStreamId && error.phase !== "body" ? "GoAway" : undefined
  }
  return undefined
}

const alpnError = (endpoint: Endpoint, dialed: Dialed): ProtocolError | undefined =>
  endpoint.scheme === "https" && dialed.alpnProtocol !== "h2"
    ? new ProtocolError({
        endpoint: endpoint.key,
        protocol: "h2",
        phase: "tls",
        reason: "AlpnMismatch",
        detail: `server selected ${dialed.alpnProtocol ?? "no ALPN protocol"}, not h2`
      })
    : undefined

/**
 * A server that speaks ALPN but not h2 ends the handshake with the
 * no_application_protocol alert: the protocol, not TLS, is what failed.
 */
const alpnRefused = (error: ConnectError | TlsError | TimeoutError): RequestsError =>
  error._tag === "TlsError" && error.code === "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL"
    ? new ProtocolError({
        endpoint: error.endpoint,
        protocol: "h2",
        phase: "tls",
        reason: "AlpnMismatch",
        detail: "server refused ALPN h2 (no_application_protocol)"
      })
    : error

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Builds the pool in the current scope.
 *
 * @since 0.1.0
 */
export const make = (
  options: H2Options = {}
): Effect.Effect<H2ConnectionPool["Type"], never, Dialer | Scope.Scope> =>
  Effect.gen(function* () {
    const dialer = yield* Dialer
    const poolScope = yield* Effect.scope
    const clock = yield* Effect.clock
    const resolved = resolveOptions(options)
    const maxConnections = resolved.strictMaxConcurrentStreams ? 1 : resolved.maxConnectionsPerEndpoint
    const counters = new H2Counters()
    const observer = yield* CurrentObserver
    const listening = observer.listener !== undefined
    const queues = new Map<string, EndpointQueue>()
    /** Every live connection and the scope its socket lives in. */
    const scopes = new Map<H2Connection, Scope.CloseableScope>()
    /** What each verified TLS connection can vouch for, when coalescing is on. */
    const authorities = new Map<H2Connection, Authority>()
    /** Endpoints whose requests ride the connections of another endpoint. */
    const aliases = new Map<string, Endpoint>()
    /** Endpoints a server said were misdirected on a shared connection. */
    const ownConnections = new Set<string>()
    /** Coalescing checks under way, so a cold burst resolves the host once. */
    const checking = new Map<string, Deferred.Deferred<Endpoint>>()
    /** Completes when the pool is closing and its last connection is gone. */
    const allClosed = Deferred.unsafeMake<void>(FiberId.none)
    let open = true
    const now = (): number => clock.unsafeCurrentTimeMillis()

    // Connections live in a child scope forked before the finalizer below is
    // added, so the finalizer (failing waiters, sending GOAWAY) runs first.
    const connectionsScope = yield* Scope.fork(poolScope, ExecutionStrategy.sequential)

    const queueFor = (endpoint: Endpoint): EndpointQueue => {
      let queue = queues.get(endpoint.key)
      if (queue === undefined) {
        queue = new EndpointQueue(endpoint.key, maxConnections)
        queues.set(endpoint.key, queue)
      }
      return queue
    }

    const owner: ConnectionOwner = {
      options: resolved,
      counters,
      now,
      capacityChanged(connection) {
        const queue = queues.get(connection.endpointKey)
        if (queue === undefined) return
        if (connection.draining) queue.remove(connection)
        if (queue.hasWaiters) queue.dispatch()
      },
      closed(connection) {
        authorities.delete(connection)
        if (listening) {
          observer.emit({
            _tag: "Released",
            endpoint: connection.endpointKey,
            protocol: "h2",
            requests: connection.streamsOpened
          })
        }
        const queue = queues.get(connection.endpointKey)
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
          if (queue.isEmpty) queues.delete(connection.endpointKey)
        }
        const scope = scopes.get(connection)
        if (scope !== undefined) {
          scopes.delete(connection)
          // Session events call this outside any fiber; the finalizers are synchronous.
          Effect.runFork(Scope.close(scope, Exit.void))
        }
        if (!open && scopes.size === 0) Deferred.unsafeDone(allClosed, Exit.void)
      }
    }

    /** Cuts what is left: streams still open fail with `ClientClosedError`. */
    const closeAll = Effect.suspend(() => {
      const owned = [...scopes]
      for (const [connection] of owned) {
        connection.terminate(new ClientClosedError({ endpoint: connection.endpointKey }), undefined)
      }
      // Adopted connections' scopes are not children of ours: close them explicitly.
      return Effect.forEach(owned, ([, scope]) => Scope.close(scope, Exit.void), { discard: true })
    })

    yield* Scope.addFinalizer(
      poolScope,
      Effect.suspend(() => {
        open = false
        for (const queue of queues.values()) queue.failAll(new ClientClosedError({ endpoint: queue.key }))
        if (scopes.size === 0) return closeAll
        // GOAWAY on every connection: streams in flight finish, and node closes each session after its last.
        for (const connection of [...scopes.keys()]) connection.drain()
        // Finalizers run uninterruptibly; the wait must yield to the deadline.
        return Effect.zipRight(
          Effect.timeoutOption(Effect.interruptible(Deferred.await(allClosed)), resolved.closeTimeout),
          closeAll
        )
      })
    )

    const settingsWatch = (connection: H2Connection): Effect.Effect<void> =>
      Effect.timeoutTo(Effect.exit(Deferred.await(connection.settings)), {
        duration: resolved.settingsTimeout,
        onSuccess: () => false,
        onTimeout: () => true
      }).pipe(
        Effect.flatMap((timedOut) =>
          timedOut
            ? Effect.sync(() =>
                connection.terminate(
                  new TimeoutError({
                    endpoint: connection.endpointKey,
                    phase: "settings",
                    protocol: "h2",
                    timeoutMillis: resolved.settingsTimeout
                  }),
                  undefined
                )
              )
            : Effect.void
        )
      )

    /**
     * Makes a connection of an established socket and starts its watchers in
     * its scope. With `reserve`, the caller holds its first slot: the one
     * stream allowed before SETTINGS goes to whoever dialed.
     */
    const register = (
      endpoint: Endpoint,
      dialed: Dialed,
      scope: Scope.CloseableScope,
      reserve: boolean
    ): Effect.Effect<H2Connection, RequestsError> =>
      Effect.suspend((): Effect.Effect<H2Connection, RequestsError> => {
        const refused: RequestsError | undefined = !open
          ? new ClientClosedError({ endpoint: endpoint.key })
          : (alpnError(endpoint, dialed) ??
            (dialed.socket.destroyed
              ? new ClosedError({
                  endpoint: endpoint.key,
                  protocol: "h2",
                  phase: "settings",
                  reused: false,
                  responseStarted: false,
                  cause: new Error("socket closed before the session started")
                })
              : undefined))
        if (refused !== undefined)
          return Effect.zipRight(Scope.close(scope, Exit.fail(refused)), Effect.fail(refused))
        const connection = new H2Connection(endpoint, dialed, owner)
        if (reserve) connection.reserve()
        scopes.set(connection, scope)
        if (resolved.coalescing && endpoint.scheme === "https") watchAuthority(connection, dialed)
        queueFor(endpoint).connections.push(connection)
        return Effect.gen(function* () {
          yield* Scope.addFinalizer(
            scope,
            Effect.sync(() =>
              connection.terminate(new ClientClosedError({ endpoint: connection.endpointKey }), undefined)
            )
          )
          if (Number.isFinite(resolved.settingsTimeout)) {
            yield* Effect.forkIn(Effect.interruptible(settingsWatch(connection)), scope)
          }
          yield* Effect.forkIn(Effect.interruptible(keepAlive(connection, resolved, now)), scope)
          return connection
        })
      })

    const dial = (endpoint: Endpoint, restore: Restore): Effect.Effect<H2Connection, RequestsError> =>
      Effect.flatMap(Scope.fork(connectionsScope, ExecutionStrategy.sequential), (scope) =>
        restore(Scope.extend(dialer.dial(endpoint, dialH2), scope)).pipe(
          Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))),
          Effect.mapError(alpnRefused),
          Effect.flatMap((dialed) => register(endpoint, dialed, scope, true))
        )
      )

    // --- slot acquisition ----------------------------------------------------------------

    const acquire = (endpoint: Endpoint, restore: Restore): Effect.Effect<H2Connection, RequestsError> =>
      Effect.suspend(() => {
        if (!open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
        const queue = queueFor(endpoint)
        if (!queue.hasWaiters) {
          const connection = queue.pick()
          if (connection !== undefined) {
            connection.reserve()
            return takeReserved(endpoint, connection, restore)
          }
        }
        return slowAcquire(endpoint, queue, restore)
      })

    /**
     * Takes the permit of a reserved slot. While the reservations fit the
     * limit a permit is free, so the take completes at once and stays
     * uninterruptible (no interruption can fall between taking the permit and
     * owning it); only after SETTINGS shrank the limit below them does it wait,
     * interruptibly.
     */
    const takeReserved = (
      endpoint: Endpoint,
      connection: H2Connection,
      restore: Restore
    ): Effect.Effect<H2Connection, RequestsError> =>
      Effect.flatMap(
        connection.active <= connection.limit
          ? connection.slots.take(1)
          : Effect.onInterrupt(restore(connection.slots.take(1)), connection.unreserveOnInterrupt),
        () => {
          if (connection.draining) {
            connection.releaseSlot()
            return acquire(endpoint, restore)
          }
          if (needsPingBeforeReuse(connection, resolved, now()))
            return pingFirst(endpoint, connection, restore)
          return Effect.succeed(connection)
        }
      )

    const pingFirst = (
      endpoint: Endpoint,
      connection: H2Connection,
      restore: Restore
    ): Effect.Effect<H2Connection, RequestsError> =>
      Effect.flatMap(
        Effect.onInterrupt(restore(ping(connection, resolved.pingTimeout)), connection.releaseOnInterrupt),
        (alive) => {
          if (alive && !connection.draining) return Effect.succeed(connection)
          connection.releaseSlot()
          return acquire(endpoint, restore)
        }
      )

    const slowAcquire = (
      endpoint: Endpoint,
      queue: EndpointQueue,
      restore: Restore
    ): Effect.Effect<H2Connection, RequestsError> => {
      if (!queue.hasWaiters && queue.canDial()) {
        queue.dialing++
        return dialFor(endpoint, queue, restore)
      }
      return Effect.flatMap(awaitGrant(endpoint, queue, restore), (grant) =>
        grant === "dial" ? dialFor(endpoint, queue, restore) : takeReserved(endpoint, grant, restore)
      )
    }

    const acquireTimeoutError = (endpoint: Endpoint) =>
      new TimeoutError({
        endpoint: endpoint.key,
        phase: "acquire",
        protocol: "h2",
        timeoutMillis: resolved.acquireTimeout
      })

    /**
     * Fails waiters whose `acquireTimeout` passed. Every waiter of an endpoint
     * waits as long, so the longest waiter always expires first: one sleeping
     * fiber per endpoint while requests wait, instead of a timer raced
     * against each of them.
     */
    const watchDeadlines = (endpoint: Endpoint, queue: EndpointQueue): Effect.Effect<void> =>
      Effect.suspend(() => {
        const due = queue.oldestDeadline()
        if (due === undefined) {
          queue.watching = false
          return Effect.void
        }
        const wait = due - now()
        if (wait > 0) return Effect.zipRight(Effect.sleep(wait), watchDeadlines(endpoint, queue))
        queue.expireOldest(acquireTimeoutError(endpoint))
        return watchDeadlines(endpoint, queue)
      }).pipe(Effect.onInterrupt(() => Effect.sync(() => (queue.watching = false))))

    const awaitGrant = (
      endpoint: Endpoint,
      queue: EndpointQueue,
      restore: Restore
    ): Effect.Effect<Grant, RequestsError> => {
      const waiter = new Waiter()
      waiter.deadline = now() + resolved.acquireTimeout
      const wait = Effect.async<Grant, RequestsError>((resume) => {
        waiter.resume = resume
        queue.enqueue(waiter)
        queue.dispatch()
      })
      // Forked interruptible: the caller runs uninterruptibly here, and the pool's close must be able to stop it.
      const watched =
        Number.isFinite(resolved.acquireTimeout) && !queue.watching
          ? Effect.zipRight(
              Effect.sync(() => (queue.watching = true)),
              Effect.zipRight(
                Effect.forkIn(Effect.interruptible(watchDeadlines(endpoint, queue)), poolScope),
                wait
              )
            )
          : wait
      return Effect.onExit(restore(watched), (exit) =>
        Effect.sync(() => {
          if (Exit.isSuccess(exit)) return queue.settle(waiter)
          queue.abandon(waiter)
          if (queue.isEmpty && queues.get(endpoint.key) === queue) queues.delete(endpoint.key)
        })
      )
    }

    /** Dials for a caller that counted itself in `queue.dialing`; the new connection's first slot is the caller's. */
    const dialCounted = (
      endpoint: Endpoint,
      queue: EndpointQueue,
      restore: Restore
    ): Effect.Effect<H2Connection, RequestsError> =>
      Effect.onExit(dial(endpoint, restore), (exit) =>
        Effect.sync(() => {
          queue.dialing--
          if (Exit.isFailure(exit) && queue.connections.length === 0 && queue.dialing === 0) {
            const failure = Cause.failureOption(exit.cause)
            // The requests queued behind this dial would only repeat it.
            if (Option.isSome(failure)) queue.failAll(failure.value)
            else queue.dispatch()
          } else if (queue.hasWaiters) {
            queue.dispatch()
          }
          if (queue.isEmpty && queues.get(endpoint.key) === queue) queues.delete(endpoint.key)
        })
      )

    const dialFor = (
      endpoint: Endpoint,
      queue: EndpointQueue,
      restore: Restore
    ): Effect.Effect<H2Connection, RequestsError> =>
      Effect.flatMap(dialCounted(endpoint, queue, restore), (connection) =>
        takeReserved(endpoint, connection, restore)
      )

    // --- exchanges ---------------------------------------------------------------------

    const run = (
      endpoint: Endpoint,
      connection: H2Connection,
      request: H2Request,
      restore: Restore
    ): Effect.Effect<H2Response, RequestsError> => {
      const stream = connection.open(request)
      if (stream === undefined) {
        return Effect.flatMap(acquire(endpoint, restore), (next) => run(endpoint, next, request, restore))
      }
      if (!(stream instanceof H2Stream)) return Effect.fail(stream)
      if (listening && connection.streamsOpened > 1) {
        observer.emit({ _tag: "Reused", endpoint: connection.endpointKey, protocol: "h2" })
      }
      const body = request.body
      const exchange =
        body._tag === "Stream"
          ? Effect.zipRight(stream.writeBody(body.stream, body.length), stream.awaitHead)
          : stream.awaitHead
      const remoteAddress = connection.remoteAddress
      // Cancelling on interruption also covers one that lands after the head
      // arrived but before this region ends, which would strand the stream.
      return Effect.map(
        Effect.onInterrupt(restore(exchange), stream.cancelOnInterrupt),
        (head): H2Response => ({ head, body: stream, remoteAddress })
      )
    }

    const once = (endpoint: Endpoint, request: H2Request): Effect.Effect<H2Response, RequestsError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(acquire(endpoint, restore), (connection) =>
          run(endpoint, connection, request, restore)
        )
      )

    const retry = (
      endpoint: Endpoint,
      request: H2Request,
      error: RequestsError,
      refused: boolean,
      goaways: number
    ): Effect.Effect<H2Response, RequestsError> => {
      const reason = unprocessed(error)
      if (
        reason === undefined ||
        request.body._tag === "Stream" ||
        (reason === "RefusedStream" ? refused : goaways >= MAX_GOAWAY_REPLAYS)
      ) {
        return Effect.fail(error)
      }
      observer.retries++
      if (listening) observer.emit({ _tag: "Retried", endpoint: endpoint.key, protocol: "h2", reason })
      return Effect.catchAll(once(endpoint, request), (next) =>
        reason === "RefusedStream"
          ? retry(endpoint, request, next, true, goaways)
          : retry(endpoint, request, next, refused, goaways + 1)
      )
    }

    const send = (endpoint: Endpoint, request: H2Request): Effect.Effect<H2Response, RequestsError> =>
      Effect.catchAll(once(endpoint, request), (error) => retry(endpoint, request, error, false, 0))

    // --- coalescing ------------------------------------------------------------------------

    const watchAuthority = (connection: H2Connection, dialed: Dialed) => {
      const authority = authorityOf(dialed)
      if (authority.certificate === undefined) return
      authorities.set(connection, authority)
      connection.session.on("origin", (origins: ReadonlyArray<string>) => {
        const set = (authority.origins ??= new Set())
        for (const origin of origins) {
          const key = originKey(origin)
          if (key !== undefined) set.add(key)
        }
      })
    }

    /** Whether a coalescing check could change where the endpoint's requests go: cheap, no DNS. */
    const mayCoalesce = (endpoint: Endpoint): boolean =>
      resolved.coalescing &&
      authorities.size > 0 &&
      endpoint.scheme === "https" &&
      !queues.has(endpoint.key) &&
      !aliases.has(endpoint.key) &&
      !ownConnections.has(endpoint.key)

    const candidates = (endpoint: Endpoint): Array<[H2Connection, Authority]> => {
      const out: Array<[H2Connection, Authority]> = []
      for (const entry of authorities) {
        const [connection, authority] = entry
        if (
          !connection.draining &&
          connection.endpointKey !== endpoint.key &&
          certificateCovers(authority, endpoint)
        )
          out.push(entry)
      }
      return out
    }

    /** Resolves the host and picks a connection that covers its address. */
    const check = (endpoint: Endpoint): Effect.Effect<Endpoint> => {
      const found = candidates(endpoint)
      if (found.length === 0) return Effect.succeed(endpoint)
      return Effect.match(dialer.resolve(endpoint), {
        // Not coalescing is always correct; the endpoint's own dial reports the DNS failure.
        onFailure: () => endpoint,
        onSuccess: (addresses) => {
          for (const [connection, authority] of found) {
            if (connection.draining || !addressCovers(authority, addresses)) continue
            aliases.set(endpoint.key, connection.endpoint)
            if (listening)
              observer.emit({ _tag: "Coalesced", endpoint: endpoint.key, onto: connection.endpointKey })
            return connection.endpoint
          }
          return endpoint
        }
      })
    }

    /** Where the endpoint's requests go: its own connections, or those of the endpoint it is coalesced onto. */
    const route = (endpoint: Endpoint): Effect.Effect<Endpoint> => {
      const alias = aliases.get(endpoint.key)
      if (alias !== undefined) {
        if (queues.has(alias.key)) return Effect.succeed(alias)
        // The shared connections are gone: look again.
        aliases.delete(endpoint.key)
      }
      if (!mayCoalesce(endpoint)) return Effect.succeed(endpoint)
      const pending = checking.get(endpoint.key)
      if (pending !== undefined) return Deferred.await(pending)
      const done = Deferred.unsafeMake<Endpoint>(FiberId.none)
      checking.set(endpoint.key, done)
      // In the pool's scope: a caller that gives up must not cancel the check for the others.
      const run = check(endpoint).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Deferred.done(done, exit)),
        Effect.ensuring(Effect.sync(() => checking.delete(endpoint.key)))
      )
      return Effect.zipRight(Effect.forkIn(run, poolScope), Deferred.await(done))
    }

    const coalesce = (endpoint: Endpoint): Effect.Effect<boolean> =>
      Effect.map(route(endpoint), (target) => target !== endpoint)

    const misdirected = (endpoint: Endpoint): Effect.Effect<void> =>
      Effect.sync(() => {
        aliases.delete(endpoint.key)
        ownConnections.add(endpoint.key)
      })

    const request = (endpoint: Endpoint, request: H2Request): Effect.Effect<H2Response, RequestsError> => {
      if (aliases.size === 0 && !mayCoalesce(endpoint)) return send(endpoint, request)
      return Effect.flatMap(route(endpoint), (target) =>
        target === endpoint
          ? send(endpoint, request)
          : Effect.map(send(target, request), (response): H2Response => ({ ...response, coalesced: true }))
      )
    }

    // --- warming -------------------------------------------------------------------------------

    const warm = (endpoint: Endpoint, connections: number): Effect.Effect<void, RequestsError> =>
      Effect.suspend(() => {
        if (!open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
        const queue = queueFor(endpoint)
        const missing = Math.min(connections, maxConnections) - queue.connections.length - queue.dialing
        if (missing <= 0) return Effect.void
        queue.dialing += missing
        const one = Effect.uninterruptibleMask((restore) =>
          Effect.map(dialCounted(endpoint, queue, restore), (connection) => connection.unreserve())
        )
        return Effect.all(
          Array.from({ length: missing }, () => one),
          { concurrency: "unbounded", discard: true }
        )
      })

    const adopt = (
      endpoint: Endpoint,
      dialed: Dialed,
      scope: Scope.CloseableScope
    ): Effect.Effect<void, RequestsError> =>
      Effect.uninterruptible(
        Effect.flatMap(register(endpoint, dialed, scope, false), () =>
          Effect.sync(() => {
            const queue = queues.get(endpoint.key)
            if (queue?.hasWaiters === true) queue.dispatch()
          })
        )
      )

    const snapshot = Effect.sync((): H2Stats => {
      let connections = 0
      let activeStreams = 0
      let maxConcurrent = 0
      for (const connection of scopes.keys()) {
        connections++
        activeStreams += connection.active
        if (!connection.draining) maxConcurrent += connection.limit
      }
      return {
        connections,
        totalStreams: counters.totalStreams,
        activeStreams,
        maxConcurrent,
        refused: counters.refused,
        resets: counters.resets,
        goaways: counters.goaways
      }
    })

    const stats = Effect.tap(snapshot, (figures) => publish(figures, counters))

    // Metrics follow the pool even when nobody reads its figures.
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep("5 seconds"), stats)))

    const flush = Effect.sync(() => {
      for (const connection of [...scopes.keys()]) connection.drain()
    })

    return H2ConnectionPool.of({ request, adopt, coalesce, misdirected, warm, stats, flush })
  })
