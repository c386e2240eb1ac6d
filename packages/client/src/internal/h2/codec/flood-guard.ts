/**
 * Limits on frames a peer can make us process or answer without end
 * (RFC 9113 §10.5): SETTINGS, PING and RST_STREAM floods, and empty DATA
 * frames. Each kind is counted in fixed windows of the connection's clock,
 * which the caller supplies as milliseconds.
 *
 * @internal
 */

/**
 * How many frames of each kind a peer may send per window.
 *
 * @internal
 */
export interface FloodLimits {
  /** Length of a counting window, in milliseconds. Default 1000. */
  readonly windowMillis?: number
  /** SETTINGS frames (not ACKs) per window. Default 32. */
  readonly settings?: number
  /** PING frames (not ACKs) per window. Default 64. */
  readonly pings?: number
  /** RST_STREAM frames per window. Default 256. */
  readonly resets?: number
  /** DATA frames with no payload and no END_STREAM, per window. Default 256. */
  readonly emptyData?: number
}

/**
 * The kinds of frame the guard counts.
 *
 * @internal
 */
export type FloodKind = "settings" | "pings" | "resets" | "emptyData"

const KINDS: ReadonlyArray<FloodKind> = ["settings", "pings", "resets", "emptyData"]
const DEFAULTS: Record<FloodKind, number> = { settings: 32, pings: 64, resets: 256, emptyData: 256 }

/**
 * Per-kind frame counters over fixed windows of the caller's clock.
 *
 * @internal
 */
export class FloodGuard {
  private readonly windowMillis: number
  private readonly limits: Record<FloodKind, number>
  private readonly counts: Record<FloodKind, number> = { settings: 0, pings: 0, resets: 0, emptyData: 0 }
  private windowStart = Number.NEGATIVE_INFINITY

  constructor(limits?: FloodLimits) {
    this.windowMillis = limits?.windowMillis ?? 1000
    this.limits = { ...DEFAULTS }
    for (const kind of KINDS) this.limits[kind] = limits?.[kind] ?? DEFAULTS[kind]
  }

  /** Counts one frame of `kind` at time `now`; true when that passes the limit. */
  hit(kind: FloodKind, now: number): boolean {
    if (now - this.windowStart >= this.windowMillis) {
      this.windowStart = now
      for (const k of KINDS) this.counts[k] = 0
    }
    return ++this.counts[kind] > this.limits[kind]
  }
}
