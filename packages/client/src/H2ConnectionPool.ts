/**
 * The HTTP/2 pool: long-lived connections per endpoint, each with a
 * `Semaphore` of stream slots sized by the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS and resized when the server changes it;
 * exchanges multiplexed over as few connections as the servers allow, and
 * connections coalesced across origins where a certificate and the DNS
 * allow.
 *
 * `Requests.layer` builds one for you. Build your own with
 * {@link H2ConnectionPool.layer}, or put a mock in its place under
 * `Requests.layerWithoutPools`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { Dialer } from "./Dialer.js"
import type { H2Options } from "./internal/h2/options.js"
import { make as makeService } from "./internal/h2/lazy-pool.js"
import type { H2ConnectionPoolService } from "./internal/h2/pool.js"

export type {
  /** @since 0.1.0 */
  H2Options
} from "./internal/h2/options.js"
export type {
  /** @since 0.1.0 */
  H2ConnectionPoolService
} from "./internal/h2/pool.js"
export type {
  /** @since 0.1.0 */
  H2Stats
} from "./internal/h2/stats.js"

/**
 * The HTTP/2 connection pool.
 *
 * @since 0.1.0
 */
export class H2ConnectionPool extends Context.Tag("@effect-requests/client/H2ConnectionPool")<
  H2ConnectionPool,
  H2ConnectionPoolService
>() {
  /**
   * The pool as a scoped layer over a {@link Dialer}: closing it sends
   * GOAWAY on every connection, fails exchanges still waiting for a stream,
   * lets streams in flight finish for up to `closeTimeout`, then closes
   * every connection.
   *
   * @since 0.1.0
   */
  static readonly layer = (options: H2Options = {}): Layer.Layer<H2ConnectionPool, never, Dialer> =>
    Layer.scoped(H2ConnectionPool, makeService(options))
}

/**
 * Builds the pool in the current scope, over the {@link Dialer} in context.
 *
 * @since 0.1.0
 */
export const make = makeService
