/**
 * The HTTP/1.1 pool: keep-alive connections per endpoint, their number
 * bounded by a `Semaphore` per endpoint (and one overall when
 * `maxConnections` is set), pipelining when asked, and exchanges written on
 * them.
 *
 * `Requests.layer` builds one for you. Build your own with {@link H1Pool.layer}
 * to share it, configure it apart, or replace it under
 * `Requests.layerWithoutPools`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { Dialer } from "./Dialer.js"
import type { H1Options } from "./internal/h1/options.js"
import { type H1PoolService, make as makeService } from "./internal/h1/pool-service.js"

export type {
  /** @since 0.1.0 */
  H1Options
} from "./internal/h1/options.js"
export type {
  /** @since 0.1.0 */
  H1PoolService
} from "./internal/h1/pool-service.js"
export type {
  /** @since 0.1.0 */
  H1EndpointState,
  /** @since 0.1.0 */
  H1EndpointStats,
  /** @since 0.1.0 */
  H1Stats
} from "./internal/h1/pool-stats.js"

/**
 * The HTTP/1.1 connection pool.
 *
 * @since 0.1.0
 */
export class H1Pool extends Context.Tag("@effect-requests/client/H1Pool")<H1Pool, H1PoolService>() {
  /**
   * The pool as a scoped layer over a {@link Dialer}: closing it fails
   * requests still waiting for a connection, lets exchanges in flight finish
   * (up to `closeTimeout`), then closes every connection it owns.
   *
   * @since 0.1.0
   */
  static readonly layer = (options: H1Options = {}): Layer.Layer<H1Pool, never, Dialer> =>
    Layer.scoped(H1Pool, makeService(options))
}

/**
 * Builds the pool in the current scope, over the {@link Dialer} in context.
 *
 * @since 0.1.0
 */
export const make = makeService
