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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { Dialer } from "../../Dialer.js"
import type { Endpoint } from "../../Endpoint.js"
import type { Protocol, RequestsError } from "../../Errors.js"
import { H1Pool } from "../../H1Pool.js"
import { H2ConnectionPool } from "../../H2ConnectionPool.js"
import { CurrentObserver } from "../observe/observer.js"
import { makeDiscovery } from "./discovery.js"
import { Hints } from "./hints.js"

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

/** The protocol a mode fixes for an endpoint, whatever the server says; `undefined` when it is learnt. */
const fixedBy =
  (mode: NonNullable<RouterOptions["protocol"]>) =>
  (endpoint: Endpoint): Protocol | undefined => {
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

/**
 * Builds the router in the current scope, over the pools and dialer in context.
 *
 * @internal
 */
export const make = (options: RouterOptions = {}) =>
  Effect.gen(function* () {
    const mode = options.protocol ?? "auto"
    const fixed = fixedBy(mode)
    const hints = yield* Hints.make(
      yield* Effect.clock,
      Duration.toMillis(options.protocolHintTtl ?? "10 minutes")
    )
    const discover = makeDiscovery({
      dialer: yield* Dialer,
      h1: yield* H1Pool,
      h2: yield* H2ConnectionPool,
      observer: yield* CurrentObserver,
      hints,
      scope: yield* Effect.scope
    })
    const protocolFor = (endpoint: Endpoint): Effect.Effect<Protocol, RequestsError> => {
      const protocol = fixed(endpoint)
      if (protocol !== undefined) return Effect.succeed(protocol)
      return Effect.flatMap(hints.fresh(endpoint), (hint) =>
        hint !== undefined ? Effect.succeed(hint) : discover(endpoint)
      )
    }
    const service: ProtocolRouterService = {
      learns: mode === "auto",
      knownProtocol: fixed,
      protocolFor,
      remember: (endpoint, protocol) => hints.remember(endpoint, protocol),
      forget: (endpoint) => hints.forget(endpoint),
      hints: hints.all
    }
    return service
  })
