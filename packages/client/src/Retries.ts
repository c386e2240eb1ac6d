/**
 * Retries of failed requests, as a combinator on any `HttpClient`.
 *
 * @example
 * ```ts
 * const client = (yield* HttpClient.HttpClient).pipe(Retries.retries({ retries: 3 }))
 * const once = yield* Retries.disabled(client.get(url))
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Retries transient failures of requests safe to repeat. Defaults:
   * `retries` 2, `baseDelay` 100 ms, `maxDelay` 10 s, `maxRetryAfter` 60 s,
   * `statuses` 408/429/500/502/503/504, `budget` `{ ratio: 0.2, burst: 10 }`.
   *
   * @since 0.1.0
   */
  retries,
  /**
   * Runs an effect with up to so many retries per request.
   *
   * @since 0.1.0
   */
  withRetries,
  /**
   * Runs an effect with its requests never retried.
   *
   * @since 0.1.0
   */
  disabled,
  /**
   * Options of {@link retries}.
   *
   * @since 0.1.0
   */
  type Options
} from "./internal/batteries/retries.js"

export {
  /**
   * The statuses retried by default.
   *
   * @since 0.1.0
   */
  defaultStatuses
} from "./internal/batteries/retry-policy.js"

export type {
  /** @since 0.1.0 */
  BudgetOptions
} from "./internal/batteries/retry-budget.js"

export type {
  /** @since 0.1.0 */
  RetryScheduled,
  /** @since 0.1.0 */
  RetryBudgetExhausted,
  /** @since 0.1.0 */
  RetryCause,
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  Listener
} from "./internal/batteries/events.js"
