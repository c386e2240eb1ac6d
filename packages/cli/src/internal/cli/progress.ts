/**
 * A one-line progress bar on the terminal: bytes, percentage, rate and ETA,
 * redrawn every 100 ms of the Clock while its transfer runs.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"]

/** `1536` → `1.5 KiB`. @internal */
export const formatBytes = (n: number): string => {
  let value = n
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}

/** `75` → `1m15s`. @internal */
export const formatSeconds = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
}

/**
 * The bar's text for `done` of `total` bytes (`undefined` when unknown) after
 * `elapsedMillis`, fitting `width` columns.
 *
 * @internal
 */
export const render = (
  label: string,
  done: number,
  total: number | undefined,
  elapsedMillis: number,
  width: number
): string => {
  const rate = elapsedMillis > 0 ? (done * 1000) / elapsedMillis : 0
  const rateText = `${formatBytes(Math.round(rate))}/s`
  if (total === undefined || total === 0) {
    return `${label} ${formatBytes(done)}  ${rateText}  ${formatSeconds(elapsedMillis / 1000)}`
  }
  const fraction = Math.min(1, done / total)
  const eta = rate > 0 ? `ETA ${formatSeconds((total - done) / rate)}` : "ETA --"
  const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(done)} / ${formatBytes(total)}  ${rateText}  ${done >= total ? formatSeconds(elapsedMillis / 1000) : eta}`
  const barWidth = Math.max(10, Math.min(40, width - label.length - tail.length - 4))
  const filled = Math.round(fraction * barWidth)
  return `${label} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]${tail}`
}

/** A bar drawn on a terminal stream. @internal */
export class ProgressBar {
  private done = 0
  private readonly start: number

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly now: () => number,
    private readonly out: NodeJS.WriteStream
  ) {
    this.start = now()
  }

  /** Counts `n` more bytes; the next tick shows them. */
  advance(n: number): void {
    this.done += n
  }

  /** Draws the current state over the line. */
  draw(): void {
    const line = render(this.label, this.done, this.total, this.now() - this.start, this.out.columns ?? 80)
    this.out.write(`\r\x1b[K${line}`)
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw()
    this.out.write("\n")
  }
}

/**
 * Draws `bar` now and every 100 ms until the scope closes, then draws its
 * final state: redrawing on a tick rather than per chunk keeps the terminal
 * current while a transfer stalls, and costs nothing per chunk.
 *
 * @internal
 */
export const drawEvery100ms = (bar: ProgressBar): Effect.Effect<void, never, Scope.Scope> =>
  // The final draw is registered first, so it runs after the ticker is interrupted.
  Effect.zipRight(
    Effect.addFinalizer(() => Effect.sync(() => bar.finish())),
    Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          Effect.sync(() => bar.draw()),
          Effect.sleep("100 millis")
        )
      )
    )
  ).pipe(Effect.asVoid)
