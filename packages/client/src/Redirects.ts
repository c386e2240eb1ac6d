/**
 * Redirect following, as a combinator on any `HttpClient`.
 *
 * @example
 * ```ts
 * const client = (yield* HttpClient.HttpClient).pipe(Redirects.redirects({ max: 5 }))
 * const response = yield* client.get(url)
 * Redirects.history(response).url // where the response came from
 * const raw = yield* Redirects.disabled(client.get(url)) // the 3xx itself
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Follows redirects. Defaults: `max` 10, `allowDowngrade` false.
   *
   * @since 0.1.0
   */
  redirects,
  /**
   * The final URL of a response and the redirects that led to it.
   *
   * @since 0.1.0
   */
  history,
  /**
   * Runs an effect with at most so many redirects followed per request.
   *
   * @since 0.1.0
   */
  withMax,
  /**
   * Runs an effect with redirects returned as responses.
   *
   * @since 0.1.0
   */
  disabled,
  /**
   * Options of {@link redirects}.
   *
   * @since 0.1.0
   */
  type Options,
  /**
   * A response's final URL and hops.
   *
   * @since 0.1.0
   */
  type History
} from "./internal/batteries/redirects.js"

export {
  /** @since 0.1.0 */
  TooManyRedirectsError,
  /** @since 0.1.0 */
  RedirectLoopError,
  /** @since 0.1.0 */
  RedirectDowngradeError,
  /** @since 0.1.0 */
  RedirectBodyError,
  /** @since 0.1.0 */
  InvalidRedirectError,
  /** @since 0.1.0 */
  type RedirectError,
  /** @since 0.1.0 */
  type Hop
} from "./internal/batteries/redirect-errors.js"

export type {
  /** @since 0.1.0 */
  Redirected,
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  Listener
} from "./internal/batteries/events.js"
