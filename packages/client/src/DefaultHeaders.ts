/**
 * Default request headers (`User-Agent`, `Accept`, your own) and a base URL,
 * as a combinator on any `HttpClient`.
 *
 * @example
 * ```ts
 * const api = (yield* HttpClient.HttpClient).pipe(
 *   DefaultHeaders.defaultHeaders({ baseUrl: "https://api.test/v1", headers: { "x-team": "core" } })
 * )
 * yield* api.get("/users") // https://api.test/v1/users, User-Agent: effect-requests/0.1.0
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Adds default headers and a base URL. Defaults: `userAgent`
   * `effect-requests/<version>`, `accept` `*\/*`, no `headers`, no `baseUrl`.
   *
   * @since 0.1.0
   */
  defaultHeaders,
  /**
   * The `User-Agent` sent by default.
   *
   * @since 0.1.0
   */
  userAgent,
  /**
   * Options of {@link defaultHeaders}.
   *
   * @since 0.1.0
   */
  type Options
} from "./internal/batteries/default-headers.js"

export {
  /**
   * The client's version.
   *
   * @since 0.1.0
   */
  version
} from "./internal/batteries/version.js"
