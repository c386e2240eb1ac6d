import type { ClientResult, Figures, ScenarioResult, VariantResult } from "../harness/runner.js"

export type FigureKey = keyof Figures

/** Three significant digits at most, never scientific notation, thousands separated. */
export const formatNumber = (value: number): string => {
  if (!Number.isFinite(value)) return "–"
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Counts stay whole unless a median of an even number of rounds falls between two. */
export const formatCount = (value: number): string =>
  Number.isInteger(value) ? value.toLocaleString("en-US") : formatNumber(value)

export const formatRatio = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(2)

const medianOf = (result: ClientResult | undefined, key: FigureKey): number | undefined =>
  result?.figures?.[key].median

export interface Ratios {
  readonly toBaseline: number | undefined
  readonly toFloor: number | undefined
}

/** The figure divided by the scenario's baseline's (undici for the protocol) and by its floor's. */
export const ratios = (
  scenario: ScenarioResult,
  variant: VariantResult,
  result: ClientResult,
  key: FigureKey
): Ratios => {
  const value = medianOf(result, key)
  const divide = (by: number | undefined): number | undefined =>
    value === undefined || by === undefined || by === 0 ? undefined : value / by
  return {
    toBaseline: divide(
      medianOf(
        variant.results.find((entry) => entry.client === scenario.baseline),
        key
      )
    ),
    toFloor: divide(
      medianOf(
        variant.results.find((entry) => entry.client === scenario.floor),
        key
      )
    )
  }
}

/** First line of a failure, short enough for a table cell. */
export const shortReason = (reason: string, limit = 140): string => {
  const line = reason.split("\n")[0] ?? reason
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line
}
