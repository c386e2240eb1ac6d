/**
 * The client's batteries stacked in one go: default headers and base URL,
 * redirects, retries, cookies, auth and decompression, each configurable
 * or left out. The single modules (`Decompression`, `Redirects`,
 * `Retries`, `DefaultHeaders`, `Cookies`, `Auth`) hold each battery's
 * options, per-request overrides and errors.
 *
 * @example
 * ```ts
 * const client = (yield* HttpClient.HttpClient).pipe(
 *   Batteries.batteries({ cookies: true, redirects: { max: 5 }, events: (event) => console.log(event._tag) })
 * )
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Stacks the batteries on a client. Defaults: default headers, redirects,
   * retries and decompression on; cookies and auth off.
   *
   * @since 0.1.0
   */
  batteries,
  /**
   * Options of {@link batteries}.
   *
   * @since 0.1.0
   */
  type Options,
  /**
   * The failures the batteries add.
   *
   * @since 0.1.0
   */
  type BatteryError
} from "./internal/batteries/batteries.js"

export type {
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  Listener,
  /** @since 0.1.0 */
  Decompressed,
  /** @since 0.1.0 */
  Redirected,
  /** @since 0.1.0 */
  RetryScheduled,
  /** @since 0.1.0 */
  RetryBudgetExhausted,
  /** @since 0.1.0 */
  RetryCause,
  /** @since 0.1.0 */
  CookieRejected,
  /** @since 0.1.0 */
  Authenticated
} from "./internal/batteries/events.js"
