/**
 * Figures of the HTTP/1.1 pool, per endpoint and in total, and their
 * publication as Effect metrics.
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import { publishGrowth, publishLevels } from "../observe/published.js"

/**
 * Figures of one endpoint's connections, or of all of them.
 *
 * @since 0.1.0
 */
export interface H1EndpointStats {
  /** Connections open now, idle or busy. */
  readonly open: number
  /** Open connections with nothing in flight. */
  readonly idle: number
  /** Open connections carrying at least one exchange. */
  readonly inUse: number
  /** Connections established since the pool started. */
  readonly created: number
  /** Requests that went over a connection which had already carried one. */
  readonly reused: number
  /** Connections closed since the pool started, for any reason. */
  readonly closed: number
  /** Connections that ended in an error (reset, protocol violation, dial failure). */
  readonly errors: number
  /** Requests waiting for a connection now. */
  readonly waiting: number
}

/**
 * One endpoint's figures, and what the pool has learnt about it.
 *
 * @since 0.1.0
 */
export interface H1EndpointState extends H1EndpointStats {
  /** Whether requests are still pipelined there (off once the server mishandled a pipeline). */
  readonly pipelining: boolean
}

/**
 * The pool's figures: totals, and each endpoint's under its key.
 *
 * @since 0.1.0
 */
export interface H1Stats extends H1EndpointStats {
  readonly endpoints: Readonly<Record<string, H1EndpointState>>
}

/** Running counters of one endpoint; the gauges are read off its state. @internal */
export class EndpointCounters {
  created = 0
  reused = 0
  closed = 0
  errors = 0
  /** What was last published as metrics, to publish counters by difference. */
  readonly published = { created: 0, reused: 0, closed: 0, errors: 0 }
  /** The endpoint's metric tags, made on first publication. */
  tags: ReadonlyArray<MetricLabel.MetricLabel> | undefined = undefined
}

// Defined by the first publication, not at import: defining a metric hashes its key.
const makeGauges = () => ({
  open: Metric.gauge("effect_requests_h1_connections_open", { description: "HTTP/1.1 connections open" }),
  idle: Metric.gauge("effect_requests_h1_connections_idle", { description: "HTTP/1.1 connections idle" }),
  inUse: Metric.gauge("effect_requests_h1_connections_in_use", {
    description: "HTTP/1.1 connections carrying a request"
  }),
  waiting: Metric.gauge("effect_requests_h1_waiting", {
    description: "requests waiting for an HTTP/1.1 connection"
  })
})
let gauges: ReturnType<typeof makeGauges> | undefined
const makeCounters = () => ({
  created: Metric.counter("effect_requests_h1_connections_created", {
    description: "HTTP/1.1 connections established"
  }),
  reused: Metric.counter("effect_requests_h1_reused", {
    description: "requests sent on a reused HTTP/1.1 connection"
  }),
  closed: Metric.counter("effect_requests_h1_connections_closed", {
    description: "HTTP/1.1 connections closed"
  }),
  errors: Metric.counter("effect_requests_h1_connection_errors", {
    description: "HTTP/1.1 connections ended by an error"
  })
})
let counters: ReturnType<typeof makeCounters> | undefined

/**
 * Publishes one endpoint's figures as metrics tagged with `endpoint`. Runs
 * on the pool's housekeeping tick and when figures are read, so requests
 * never pay for metrics.
 *
 * @internal
 */
export const publish = (key: string, stats: H1EndpointStats, running: EndpointCounters): void => {
  const tags = (running.tags ??= [MetricLabel.make("endpoint", key)])
  publishLevels((gauges ??= makeGauges()), stats, tags)
  publishGrowth((counters ??= makeCounters()), running, running.published, tags)
}

/** Sums endpoint figures into totals. @internal */
export const total = (endpoints: Readonly<Record<string, H1EndpointState>>): H1Stats => {
  const sum = { open: 0, idle: 0, inUse: 0, created: 0, reused: 0, closed: 0, errors: 0, waiting: 0 }
  for (const key in endpoints) {
    const e = endpoints[key]!
    sum.open += e.open
    sum.idle += e.idle
    sum.inUse += e.inUse
    sum.created += e.created
    sum.reused += e.reused
    sum.closed += e.closed
    sum.errors += e.errors
    sum.waiting += e.waiting
  }
  return { ...sum, endpoints }
}
