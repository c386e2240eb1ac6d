/**
 * Figures published as Effect metrics from plain numbers: counters by what
 * they grew since the last publication, gauges as they stand. The hot paths
 * only bump numbers; publishing happens when figures are read or on a tick.
 *
 * @internal
 */
import type * as Metric from "effect/Metric"
import type * as MetricLabel from "effect/MetricLabel"

/** Named counter metrics. @internal */
export type CounterMetrics<K extends string> = { readonly [Key in K]: Metric.Metric.Counter<number> }

/** Named gauge metrics. @internal */
export type GaugeMetrics<K extends string> = { readonly [Key in K]: Metric.Metric.Gauge<number> }

const noTags: ReadonlyArray<MetricLabel.MetricLabel> = []

/**
 * Adds to each counter what its figure grew since `last`, and moves `last`
 * up to now.
 *
 * @internal
 */
export const publishGrowth = <K extends string>(
  metrics: CounterMetrics<K>,
  now: Readonly<Record<NoInfer<K>, number>>,
  last: Record<NoInfer<K>, number>,
  tags: ReadonlyArray<MetricLabel.MetricLabel> = noTags
): void => {
  for (const key in metrics) {
    const grown = now[key] - last[key]
    if (grown !== 0) {
      metrics[key].unsafeUpdate(grown, tags)
      last[key] = now[key]
    }
  }
}

/**
 * Sets each gauge to its figure.
 *
 * @internal
 */
export const publishLevels = <K extends string>(
  metrics: GaugeMetrics<K>,
  now: Readonly<Record<NoInfer<K>, number>>,
  tags: ReadonlyArray<MetricLabel.MetricLabel> = noTags
): void => {
  for (const key in metrics) metrics[key].unsafeUpdate(now[key], tags)
}
