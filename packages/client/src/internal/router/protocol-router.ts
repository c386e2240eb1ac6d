/**
 * Chooses HTTP/1.1 or HTTP/2 per endpoint, and for `https` endpoints in
 * `auto` mode learns the choice by ALPN.
 *
 * The first exchange to an endpoint whose protocol is unknown dials TLS
 * offering `h2` and `http/1.1`; the socket, with the scope it lives in, is
 * handed to the pool that speaks what the server chose, so no handshake is
 * ever repeated and the router keeps nothing of it. Exchanges that start
 * meanwhile wait for that one discovery instead of each dialing their own.
 * Before dialing, an open HTTP/2 connection of another origin that is
 * authoritative for this one is offered the endpoint (connection
 * coalescing); when it takes it, nothing is dialed at all.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import { Dialer } from "../../Dialer.js"
import type { Endpoint } from "../../Endpoint.js"
import type { Protocol, RequestsError } from "../../Errors.js"
import { H1Pool } from "../../H1Pool.js"
import { H2ConnectionPool } from "../../H2ConnectionPool.js"
import { CurrentObserver } from "../observe/observer.js"

/**
 * Options of the protocol router.
 *
 * @since 0.1.0
 */
export interface RouterOptions {
  /**
   * Which protocol to speak. `"auto"`: for `https` URLs, offer `h2` and
   * `http/1.1` by ALPN on the first connection to an origin and keep what
   * the server chose; HTTP/1.1 for `http` URLs. `"http1"`: HTTP/1.1
   * everywhere. `"http2"`: HTTP/2 for `https` URLs (ALPN h2 only), HTTP/1.1
   * for `http` ones. `"h2c"`: HTTP/2 everywhere, with prior knowledge for
   * `http` URLs. Default `"auto"`.
   */
  readonly protocol?: "auto" | "http1" | "http2" | "h2c"
  /** How long the protocol an origin chose by ALPN is trusted before it is asked again. Default `10 minutes`. */
  readonly protocolHintTtl?: Duration.DurationInput
}

/**
 * What the protocol router offers.
 *
 * @since 0.1.0
 */
export interface ProtocolRouterService {
  /** Whether the router learns protocols by ALPN (`auto` mode), so an origin can move between them. */
  readonly learns: boolean
  /**
   * The protocol of the endpoint when the options fix it (a fixed protocol,
   * or a plain `http` endpoint in `auto` mode), read without an Effect;
   * `undefined` when it takes {@link ProtocolRouterService.protocolFor}.
   */
  readonly knownProtocol: (endpoint: Endpoint) => Protocol | undefined
  /**
   * The protocol to use for the endpoint, discovering it if unknown: one
   * dial for all the exchanges that ask meanwhile, whose socket the chosen
   * pool adopts.
   */
  readonly protocolFor: (endpoint: Endpoint) => Effect.Effect<Protocol, RequestsError>
  /** Records what the endpoint speaks, e.g. after the server asked for HTTP/1.1. */
  readonly remember: (endpoint: Endpoint, protocol: Protocol) => Effect.Effect<void>
  /** Forgets what the endpoint speaks, after an error that casts doubt on it. */
  readonly forget: (endpoint: Endpoint) => Effect.Effect<void>
  /** The hints known now, by endpoint key. */
  readonly hints: Effect.Effect<ReadonlyMap<string, Protocol>>
}

interface Remembered {
  readonly protocol: Protocol
  /** Clock time in ms after which the endpoint is asked again. */
  readonly expiresAt: number
}

const offered = { alpnProtocols: ["h2", "http/1.1"] }

/**
 * Builds the router in the current scope, over the pools and dialer in context.
 *
 * @internal
 */
export const make = (options: RouterOptions = {}) =>
  Effect.gen(function* () {
    const dialer = yield* Dialer
    const h1 = yield* H1Pool
    const h2 = yield* H2ConnectionPool
    const observer = yield* CurrentObserver
    const clock = yield* Effect.clock
    const scope = yield* Effect.scope
    const mode = options.protocol ?? "auto"
    const hintTtl = Duration.toMillis(options.protocolHintTtl ?? "10 minutes")
    const known = yield* Ref.make<ReadonlyMap<string, Remembered>>(new Map())
    /** Discoveries under way, so a cold burst shares one. */
    const discovering = new Map<string, Deferred.Deferred<Protocol, RequestsError>>()

    /** The protocol the mode fixes for the endpoint, whatever the server says. */
    const fixed = (endpoint: Endpoint): Protocol | undefined => {
      switch (mode) {
        case "h2c":
          return "h2"
        case "http2":
          return endpoint.scheme === "https" ? "h2" : "http/1.1"
        case "http1":
          return "http/1.1"
        case "auto":
          return endpoint.scheme === "https" ? undefined : "http/1.1"
      }
    }

    const remember = (endpoint: Endpoint, protocol: Protocol) =>
      Ref.update(known, (hints) =>
        new Map(hints).set(endpoint.key, { protocol, expiresAt: clock.unsafeCurrentTimeMillis() + hintTtl })
      )

    const forget = (endpoint: Endpoint) =>
      Ref.update(known, (hints) => {
        if (!hints.has(endpoint.key)) return hints
        const next = new Map(hints)
        next.delete(endpoint.key)
        return next
      })

    /** Dials once and hands the socket, with its scope, to the pool that speaks what the server chose. */
    const discover = (endpoint: Endpoint): Effect.Effect<Protocol, RequestsError> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          if (yield* restore(h2.coalesce(endpoint))) {
            yield* remember(endpoint, "h2")
            return "h2" as const
          }
          const socketScope = yield* Scope.make()
          const dialed = yield* restore(Scope.extend(dialer.dial(endpoint, offered), socketScope)).pipe(
            Effect.onError((cause) => Scope.close(socketScope, Exit.failCause(cause)))
          )
          const protocol: Protocol = dialed.alpnProtocol === "h2" ? "h2" : "http/1.1"
          // From here the socket's scope belongs to the adopting pool.
          if (protocol === "h2") yield* h2.adopt(endpoint, dialed, socketScope)
          else yield* h1.adopt(endpoint, dialed, socketScope)
          if (observer.listener !== undefined)
            observer.emit({ _tag: "Adopted", endpoint: endpoint.key, protocol })
          yield* remember(endpoint, protocol)
          return protocol
        })
      )

    const shared = (endpoint: Endpoint): Effect.Effect<Protocol, RequestsError> => {
      const under = discovering.get(endpoint.key)
      if (under !== undefined) return Deferred.await(under)
      const done = Deferred.unsafeMake<Protocol, RequestsError>(FiberId.none)
      discovering.set(endpoint.key, done)
      const run = discover(endpoint).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Deferred.done(done, exit)),
        Effect.ensuring(Effect.sync(() => discovering.delete(endpoint.key)))
      )
      // In the router's scope: a caller that gives up must not cancel the
      // discovery for the others, and closing the client stops it.
      return Effect.zipRight(Effect.forkIn(run, scope), Deferred.await(done))
    }

    const protocolFor = (endpoint: Endpoint): Effect.Effect<Protocol, RequestsError> => {
      const protocol = fixed(endpoint)
      if (protocol !== undefined) return Effect.succeed(protocol)
      return Effect.flatMap(Ref.get(known), (hints) => {
        const hint = hints.get(endpoint.key)
        return hint !== undefined && hint.expiresAt > clock.unsafeCurrentTimeMillis()
          ? Effect.succeed(hint.protocol)
          : shared(endpoint)
      })
    }

    const hints = Effect.map(Ref.get(known), (map): ReadonlyMap<string, Protocol> => {
      const out = new Map<string, Protocol>()
      for (const [key, value] of map) out.set(key, value.protocol)
      return out
    })

    const service: ProtocolRouterService = {
      learns: mode === "auto",
      knownProtocol: fixed,
      protocolFor,
      remember,
      forget,
      hints
    }
    return service
  })
