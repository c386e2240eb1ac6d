/**
 * The HTTP/1.1 pool as a service: its connections, and the exchange road
 * over them.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import type { RequestsError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import { CurrentObserver } from "../observe/observer.js"
import type { Dialed } from "../transport/dialer.js"
import { resolveH1Options, type H1Options } from "./options.js"
import { make as makeConnections } from "./pool.js"
import type { H1Stats } from "./pool-stats.js"
import { makeSend } from "./send.js"

/**
 * What the HTTP/1.1 pool offers.
 *
 * @since 0.1.0
 */
export interface H1PoolService {
  /**
   * Sends the exchange on a keep-alive connection to its endpoint: an idle
   * one, one dialed for it, or the first to free up, within the pool's
   * limits. The response body is read from the connection on demand; the
   * connection goes back to the pool once it is read to the end.
   */
  readonly exchange: (exchange: Exchange) => Effect.Effect<ExchangeResponse, RequestsError>
  /**
   * Takes over a socket another step dialed (e.g. a TLS handshake whose
   * ALPN chose HTTP/1.1) with the scope it lives in: the scope moves into
   * the pool, which closes it, once, when the connection ends or the pool
   * closes. Waits for a connection slot of the endpoint like a dial would.
   */
  readonly adopt: (endpoint: Endpoint, dialed: Dialed, scope: Scope.CloseableScope) => Effect.Effect<void>
  /** Opens connections to the endpoint until it has `connections` (at most `maxConnectionsPerEndpoint`), idle. */
  readonly warm: (endpoint: Endpoint, connections: number) => Effect.Effect<void, RequestsError>
  /** The pool's figures now. */
  readonly stats: Effect.Effect<H1Stats>
  /** Closes idle connections; busy ones finish their exchanges and are closed then. */
  readonly flush: Effect.Effect<void>
}

/** @internal */
export const make = (options: H1Options = {}) =>
  Effect.gen(function* () {
    const connections = yield* makeConnections(options)
    const observer = yield* CurrentObserver
    const config = resolveH1Options(options)
    const service: H1PoolService = {
      exchange: makeSend(connections, observer, config),
      adopt: connections.adopt,
      warm: connections.warm,
      stats: connections.stats,
      flush: connections.flush
    }
    return service
  })
