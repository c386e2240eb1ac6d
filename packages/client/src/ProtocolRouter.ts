/**
 * The protocol router: which pool carries each endpoint's exchanges. Fixed
 * by the `protocol` option, or, in `auto` mode, learnt per `https` origin by
 * ALPN on its first connection and kept as a hint in a `Ref`; the socket of
 * that first connection is adopted, scope and all, by the pool that speaks
 * the chosen protocol.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { Dialer } from "./Dialer.js"
import type { H1Pool } from "./H1Pool.js"
import type { H2ConnectionPool } from "./H2ConnectionPool.js"
import {
  make as makeService,
  type ProtocolRouterService,
  type RouterOptions
} from "./internal/router/protocol-router.js"

export type {
  /** @since 0.1.0 */
  ProtocolRouterService,
  /** @since 0.1.0 */
  RouterOptions
} from "./internal/router/protocol-router.js"

/**
 * The protocol router.
 *
 * @since 0.1.0
 */
export class ProtocolRouter extends Context.Tag("@effect-requests/client/ProtocolRouter")<
  ProtocolRouter,
  ProtocolRouterService
>() {
  /**
   * The router over the two pools and the dialer in context. Discoveries
   * under way when its scope closes are interrupted.
   *
   * @since 0.1.0
   */
  static readonly layer = (
    options: RouterOptions = {}
  ): Layer.Layer<ProtocolRouter, never, H1Pool | H2ConnectionPool | Dialer> =>
    Layer.scoped(ProtocolRouter, makeService(options))
}

/**
 * Builds the router in the current scope, over the pools and dialer in context.
 *
 * @since 0.1.0
 */
export const make = makeService
