/**
 * A client's allowance of retries, so that an origin failing every request
 * sees at most `ratio` more requests than the callers made, plus a burst.
 */

/**
 * Options of the retry budget.
 *
 * @since 0.1.0
 */
export interface BudgetOptions {
  /** Tokens each request (not each retry) adds; a retry takes one. Default `0.2`. */
  readonly ratio?: number
  /** Tokens the bucket starts with and holds at most. Default `10`. */
  readonly burst?: number
}

/**
 * A token bucket filled by requests and drained by retries. Over any
 * stretch of time, retries number at most `ratio` times the requests plus
 * `burst`.
 */
export class RetryBudget {
  private tokens: number
  private readonly ratio: number
  private readonly burst: number

  constructor(options: BudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.2
    this.burst = options.burst ?? 10
    this.tokens = this.burst
  }

  /** A request was made. */
  deposit(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio)
  }

  /** Takes a token for a retry; `false` when none is left. */
  withdraw(): boolean {
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** A budget that never runs out, for `budget: false`. */
export const unlimited = {
  deposit(): void {},
  withdraw(): boolean {
    return true
  }
} satisfies Pick<RetryBudget, "deposit" | "withdraw">
