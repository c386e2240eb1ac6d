/**
 * Basic and Digest (RFC 7616) authentication from per-origin credentials,
 * as a combinator on any `HttpClient`.
 *
 * @example
 * ```ts
 * const client = (yield* HttpClient.HttpClient).pipe(
 *   Auth.auth({ credentials: { "https://api.test": { username: "ada", password: "secret" } } })
 * )
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Authenticates requests to the configured origins: Basic up front over
   * https only, Digest on a 401 challenge.
   *
   * @since 0.1.0
   */
  auth,
  /**
   * Runs an effect with its requests sent without credentials.
   *
   * @since 0.1.0
   */
  disabled,
  /**
   * A 401 to a request whose streamed body cannot be sent again.
   *
   * @since 0.1.0
   */
  AuthBodyError,
  /**
   * Options of {@link auth}.
   *
   * @since 0.1.0
   */
  type Options,
  /**
   * A user name and password.
   *
   * @since 0.1.0
   */
  type Credentials
} from "./internal/batteries/auth.js"

export type {
  /** @since 0.1.0 */
  Authenticated,
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  Listener
} from "./internal/batteries/events.js"
