/**
 * Figures of the HTTP/2 pool.
 *
 * @since 0.1.0
 */

/**
 * A snapshot of the HTTP/2 pool.
 *
 * @since 0.1.0
 */
export interface H2Stats {
  /** Connections open now, draining ones included. */
  readonly connections: number
  /** Streams opened since the pool started, retries included. */
  readonly totalStreams: number
  /** Streams holding a slot now. */
  readonly activeStreams: number
  /**
   * Stream slots of the connections that take new streams: the sum of each
   * one's SETTINGS_MAX_CONCURRENT_STREAMS (one while its SETTINGS are awaited).
   */
  readonly maxConcurrent: number
  /** RST_STREAM(REFUSED_STREAM) received. */
  readonly refused: number
  /** RST_STREAM with any other code received. */
  readonly resets: number
  /** Connections that received GOAWAY (a server may send several on one connection; they count once). */
  readonly goaways: number
}

/**
 * The running totals behind {@link H2Stats}: plain numbers bumped on the hot
 * path, read when a snapshot is asked for.
 *
 * @internal
 */
export class H2Counters {
  totalStreams = 0
  refused = 0
  resets = 0
  goaways = 0
}
