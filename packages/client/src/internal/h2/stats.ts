/**
 * Figures of the HTTP/2 pool.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import { publishGrowth, publishLevels } from "../observe/published.js"

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
  /** What was last published as metrics, to publish counters by difference. */
  readonly published = { totalStreams: 0, refused: 0, resets: 0, goaways: 0 }
}

const gauges = {
  connections: Metric.gauge("effect_requests_h2_connections", { description: "HTTP/2 connections open" }),
  activeStreams: Metric.gauge("effect_requests_h2_active_streams", {
    description: "HTTP/2 streams in flight"
  }),
  maxConcurrent: Metric.gauge("effect_requests_h2_max_concurrent", {
    description: "HTTP/2 stream slots the servers allow on connections taking streams"
  })
}
const counterMetrics = {
  totalStreams: Metric.counter("effect_requests_h2_streams", { description: "HTTP/2 streams opened" }),
  refused: Metric.counter("effect_requests_h2_refused", {
    description: "RST_STREAM(REFUSED_STREAM) received"
  }),
  resets: Metric.counter("effect_requests_h2_resets", {
    description: "RST_STREAM with another code received"
  }),
  goaways: Metric.counter("effect_requests_h2_goaways", {
    description: "HTTP/2 connections that received GOAWAY"
  })
}

/**
 * Publishes a snapshot as Effect metrics. Runs when figures are read or on
 * the pool's tick, never per request.
 *
 * @internal
 */
export const publish = (stats: H2Stats, counters: H2Counters): Effect.Effect<void> =>
  Effect.sync(() => {
    publishLevels(gauges, stats)
    publishGrowth(counterMetrics, stats, counters.published)
  })
