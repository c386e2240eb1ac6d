/**
 * What the client counts and reports about its requests and connections:
 * per-origin figures, the event listener, and the Effect metrics they feed.
 *
 * Counters are plain numbers bumped on the hot path; metrics are published
 * from them by difference when stats are read and on a tick, so a request
 * never pays for a metric update.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import { publishGrowth } from "./published.js"
import type { Protocol } from "../../Errors.js"
import type { Listener, RequestsEvent } from "../../Events.js"
import type { BatteryEvent } from "../batteries/events.js"

/**
 * Figures of one origin over one protocol.
 *
 * @since 0.1.0
 */
export interface OriginStats {
  /** `scheme://host:port`. */
  readonly origin: string
  readonly protocol: Protocol
  /** Attempts sent over this protocol, retries included. */
  readonly requests: number
  /** Requests that failed for good, before a response head. */
  readonly errors: number
  /** From each attempt's start to its response head (or failure), summed. */
  readonly totalTime: Duration.Duration
}

/** The running totals behind one {@link OriginStats}. */
export class OriginCounters {
  requests = 0
  errors = 0
  totalTimeMillis = 0
  readonly published = { requests: 0, errors: 0, totalTimeMillis: 0 }
  readonly tags: ReadonlyArray<MetricLabel.MetricLabel>

  constructor(
    readonly origin: string,
    readonly protocol: Protocol
  ) {
    this.tags = [MetricLabel.make("origin", origin), MetricLabel.make("protocol", protocol)]
  }
}

// The metrics are defined by their first publication: defining one hashes its key and
// description, work that importing the client need not do.
const makeMetrics = () => ({
  requests: Metric.counter("effect_requests_requests", {
    description: "Request attempts, by origin and protocol"
  }),
  errors: Metric.counter("effect_requests_errors", {
    description: "Requests that failed before a response head, by origin and protocol"
  }),
  totalTimeMillis: Metric.counter("effect_requests_time_ms", {
    description: "Milliseconds from request start to response head, summed, by origin and protocol"
  })
})
let metrics: ReturnType<typeof makeMetrics> | undefined

/**
 * What the batteries did since the client was built, counted from their
 * events.
 *
 * @since 0.1.0
 */
export interface BatteryStats {
  /** Redirects followed. */
  readonly redirects: number
  /** Requests the retry battery sent again (`RetryScheduled`); the transport's own replays are `Stats.retries`. */
  readonly retries: number
  /** Retries not made because the retry budget was spent. */
  readonly retriesDenied: number
  /** Response bodies decoded to their end. */
  readonly decompressed: number
  /** Bytes of those bodies as they arrived. */
  readonly bytesCompressed: number
  /** Bytes of those bodies once decoded. */
  readonly bytesDecompressed: number
  /** `Set-Cookie`s the jar refused. */
  readonly cookiesRejected: number
  /** 401 challenges answered with credentials. */
  readonly authenticated: number
}

const makeBatteryMetrics = () => ({
  redirects: Metric.counter("effect_requests_redirects", { description: "Redirects followed" }),
  retries: Metric.counter("effect_requests_battery_retries", {
    description: "Requests sent again by the retry battery"
  }),
  bytesDecompressed: Metric.counter("effect_requests_decompressed_bytes", {
    description: "Bytes of response bodies after decoding"
  })
})
let batteryMetrics: ReturnType<typeof makeBatteryMetrics> | undefined

/** Counts, times and reports; one per client. */
export class Observer {
  requestsMade = 0
  retries = 0
  errors = 0
  totalTimeMillis = 0
  readonly batteries = {
    redirects: 0,
    retries: 0,
    retriesDenied: 0,
    decompressed: 0,
    bytesCompressed: 0,
    bytesDecompressed: 0,
    cookiesRejected: 0,
    authenticated: 0
  }
  private readonly batteriesPublished = { redirects: 0, retries: 0, bytesDecompressed: 0 }
  private readonly h1Origins = new Map<string, OriginCounters>()
  private readonly h2Origins = new Map<string, OriginCounters>()

  constructor(
    /** Absent when nobody listens: callers test it before building an event. */
    readonly listener: Listener | undefined,
    readonly now: () => number
  ) {}

  /** The counters of an origin over a protocol, made on first use. */
  origin(endpointKey: string, protocol: Protocol): OriginCounters {
    const origins = protocol === "h2" ? this.h2Origins : this.h1Origins
    let counters = origins.get(endpointKey)
    if (counters === undefined) {
      counters = new OriginCounters(endpointKey, protocol)
      origins.set(endpointKey, counters)
    }
    return counters
  }

  emit(event: RequestsEvent): void {
    this.listener?.(event)
  }

  /**
   * The batteries' listener: counts what they did, then hands the event on.
   * One function for the client's life, so batteries always report (they
   * build an event only when something happened).
   */
  readonly battery = (event: BatteryEvent): void => {
    const counts = this.batteries
    switch (event._tag) {
      case "Redirected":
        counts.redirects++
        break
      case "RetryScheduled":
        counts.retries++
        break
      case "RetryBudgetExhausted":
        counts.retriesDenied++
        break
      case "Decompressed":
        counts.decompressed++
        counts.bytesCompressed += event.encodedBytes
        counts.bytesDecompressed += event.decodedBytes
        break
      case "CookieRejected":
        counts.cookiesRejected++
        break
      case "Authenticated":
        counts.authenticated++
        break
    }
    this.listener?.(event)
  }

  batteryStats(): BatteryStats {
    return { ...this.batteries }
  }

  /** An attempt ended with a head or a failure. */
  finished(counters: OriginCounters, started: number): number {
    const elapsed = this.now() - started
    counters.totalTimeMillis += elapsed
    this.totalTimeMillis += elapsed
    return elapsed
  }

  failed(counters: OriginCounters): void {
    counters.errors++
    this.errors++
  }

  originStats(): ReadonlyArray<OriginStats> {
    const out: Array<OriginStats> = []
    for (const c of this.all()) {
      out.push({
        origin: c.origin,
        protocol: c.protocol,
        requests: c.requests,
        errors: c.errors,
        totalTime: Duration.millis(c.totalTimeMillis)
      })
    }
    return out
  }

  private *all(): Iterable<OriginCounters> {
    yield* this.h1Origins.values()
    yield* this.h2Origins.values()
  }

  /** Publishes what changed since the last time as tagged metrics. */
  readonly publish: Effect.Effect<void> = Effect.sync(() => {
    const origins = (metrics ??= makeMetrics())
    for (const c of this.all()) publishGrowth(origins, c, c.published, c.tags)
    publishGrowth((batteryMetrics ??= makeBatteryMetrics()), this.batteries, this.batteriesPublished)
  })
}

/**
 * The observer the pools and dialer report to. Without `Requests.layer`
 * (a pool built on its own) nobody listens, and nothing reads what is counted.
 *
 * @internal
 */
export class CurrentObserver extends Context.Reference<CurrentObserver>()(
  "@effect-requests/client/CurrentObserver",
  { defaultValue: (): Observer => new Observer(undefined, () => 0) }
) {}
