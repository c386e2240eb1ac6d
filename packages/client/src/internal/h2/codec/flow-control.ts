/**
 * Flow-control windows (RFC 9113 §5.2, §6.9).
 *
 * @internal
 */
import { MAX_WINDOW_SIZE } from "./frame.js"

/**
 * What the peer may still send us on a connection or stream, and what we
 * owe it. Received bytes shrink the window at once; they are given back
 * only as the application consumes them, and announced in one WINDOW_UPDATE
 * once half the window's target has been consumed, rather than one per DATA
 * frame.
 *
 * @internal
 */
export class ReceiveWindow {
  /** Bytes the peer may send before it must wait. */
  private available: number
  /** Bytes consumed and not yet announced. */
  private owed = 0

  constructor(private readonly target: number) {
    this.available = target
  }

  /** Bytes the peer may send now. */
  get window(): number {
    return this.available
  }

  /** Counts `n` received bytes; false when they overflow the window, a FLOW_CONTROL_ERROR. */
  receive(n: number): boolean {
    if (n > this.available) return false
    this.available -= n
    return true
  }

  /**
   * Counts `n` bytes as consumed; returns the increment to announce in a
   * WINDOW_UPDATE now, or 0 to wait for more.
   */
  consume(n: number): number {
    this.owed += n
    if (this.owed < this.target / 2 || this.owed === 0) return 0
    const increment = this.owed
    this.owed = 0
    this.available += increment
    return increment
  }
}

/**
 * Adds a WINDOW_UPDATE increment or a SETTINGS_INITIAL_WINDOW_SIZE delta to
 * a send window; undefined when the result would pass 2^31-1, a
 * FLOW_CONTROL_ERROR (§6.9.1, §6.9.2). A window may go negative (§6.9.2).
 *
 * @internal
 */
export const growSendWindow = (window: number, delta: number): number | undefined => {
  const next = window + delta
  return next > MAX_WINDOW_SIZE ? undefined : next
}
