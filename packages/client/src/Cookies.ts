/**
 * Cookies, kept in a tough-cookie jar, as a combinator on any `HttpClient`.
 *
 * @example
 * ```ts
 * const jar = new Cookies.CookieJar()
 * const client = (yield* HttpClient.HttpClient).pipe(Cookies.cookies(jar))
 * yield* client.post(`${origin}/login`, { body })
 * const saved = yield* Cookies.serialize(jar)
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Sends and stores cookies. Takes options, a jar, or `true` (default) for
   * a new in-memory jar; `sameSiteContext` defaults to not enforced.
   *
   * @since 0.1.0
   */
  cookies,
  /**
   * Runs an effect with its requests using another jar.
   *
   * @since 0.1.0
   */
  withJar,
  /**
   * Runs an effect with its requests neither sending nor storing cookies.
   *
   * @since 0.1.0
   */
  disabled,
  /**
   * A jar's cookies as JSON-ready data.
   *
   * @since 0.1.0
   */
  serialize,
  /**
   * A jar rebuilt from {@link serialize}'s output.
   *
   * @since 0.1.0
   */
  deserialize,
  /**
   * tough-cookie's jar.
   *
   * @since 0.1.0
   */
  CookieJar,
  /**
   * A failure of the jar's store.
   *
   * @since 0.1.0
   */
  CookieStoreError,
  /**
   * Options of {@link cookies}.
   *
   * @since 0.1.0
   */
  type Options,
  /**
   * A jar as data.
   *
   * @since 0.1.0
   */
  type SerializedCookieJar
} from "./internal/batteries/cookies.js"

export {
  /**
   * The key under which a response may offer its `Set-Cookie` values as
   * received, so that cookies sharing a name reach the jar apart.
   *
   * @since 0.1.0
   */
  SetCookieHeaders,
  /**
   * A response offering its raw `Set-Cookie` values.
   *
   * @since 0.1.0
   */
  type WithSetCookieHeaders
} from "./internal/batteries/set-cookie.js"

export type {
  /** @since 0.1.0 */
  CookieRejected,
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  Listener
} from "./internal/batteries/events.js"
