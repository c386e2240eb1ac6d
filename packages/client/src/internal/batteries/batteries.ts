/**
 * Every battery, stacked in the order in which they work together.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { type AuthBodyError, auth, type Credentials } from "./auth.js"
import { isCookieJar } from "./cookie-jar.js"
import { type CookieJar, cookies, type CookieStoreError, type Options as CookiesOptions } from "./cookies.js"
import { decompression, type Options as DecompressionOptions } from "./decompression.js"
import { defaultHeaders, type Options as DefaultHeadersOptions } from "./default-headers.js"
import type { Listener } from "./events.js"
import type { RedirectError } from "./redirect-errors.js"
import { redirects, type Options as RedirectsOptions } from "./redirects.js"
import { retries, type Options as RetriesOptions } from "./retries.js"

/**
 * Options of {@link batteries}: each battery's options, `true` for its
 * defaults, or `false` to leave it out.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Default headers and base URL. Default `true`. */
  readonly defaultHeaders?: DefaultHeadersOptions | boolean
  /** Redirect following. Default `true` (`max` 10). */
  readonly redirects?: RedirectsOptions | boolean
  /** Retries. Default `true` (2 retries, budgeted). */
  readonly retries?: RetriesOptions | boolean
  /** Cookies: options, a jar, `true` for a new in-memory jar. Default `false`. */
  readonly cookies?: CookiesOptions | CookieJar | boolean
  /** Credentials by origin, for Basic and Digest. Default: none. */
  readonly credentials?: Readonly<Record<string, Credentials>>
  /** Response decompression. Default `true`. */
  readonly decompression?: DecompressionOptions | boolean
  /** Receives every battery's events, unless a battery's options name their own listener. Default: none. */
  readonly events?: Listener
}

/**
 * The failures the batteries add to a client's.
 *
 * @since 0.1.0
 */
export type BatteryError = RedirectError | CookieStoreError | AuthBodyError

const withEvents = <A extends { readonly events?: Listener }>(
  options: A | true | undefined,
  events: Listener | undefined
): A | { readonly events?: Listener } => {
  const own: { readonly events?: Listener } = options === true || options === undefined ? {} : options
  return own.events !== undefined || events === undefined ? own : { ...own, events }
}

/**
 * Stacks the batteries on `client`. From the caller down: default headers
 * and base URL (once per call), redirects, retries (of each hop alone),
 * cookies and auth (for each attempt, so a retry carries fresh cookies and
 * a fresh Digest count), decompression (of each response).
 *
 * @since 0.1.0
 */
export const batteries =
  (options: Options = {}) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E | BatteryError, R> => {
    const events = options.events
    let stacked: HttpClient.HttpClient.With<E | BatteryError, R> = client
    if (options.decompression !== false)
      stacked = decompression(withEvents(options.decompression, events))(stacked)
    if (options.credentials !== undefined)
      stacked = auth({ credentials: options.credentials, ...withEvents({}, events) })(stacked)
    if (options.cookies !== undefined && options.cookies !== false) {
      const cookieOptions = isCookieJar(options.cookies) ? { jar: options.cookies } : options.cookies
      stacked = cookies(withEvents(cookieOptions, events))(stacked)
    }
    if (options.retries !== false) stacked = retries(withEvents(options.retries, events))(stacked)
    if (options.redirects !== false) stacked = redirects(withEvents(options.redirects, events))(stacked)
    if (options.defaultHeaders !== false) {
      stacked = defaultHeaders(options.defaultHeaders === true ? {} : options.defaultHeaders)(stacked)
    }
    return stacked
  }
