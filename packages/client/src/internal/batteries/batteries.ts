/**
 * Every battery, stacked in the order in which they work together.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { type AuthBodyError, authLayer, type Credentials } from "./auth.js"
import { isCookieJar } from "./cookie-jar.js"
import {
  type CookieJar,
  cookiesLayer,
  type CookieStoreError,
  type Options as CookiesOptions
} from "./cookies.js"
import { decompressionLayer, type Options as DecompressionOptions } from "./decompression.js"
import type { Listener } from "./events.js"
import { makePrelude, type Options as DefaultHeadersOptions } from "./prelude.js"
import type { RedirectError } from "./redirect-errors.js"
import { redirectsLayer, type Options as RedirectsOptions } from "./redirects.js"
import { retriesLayer, type Options as RetriesOptions } from "./retries.js"
import { type Fail, failAsIs, type Layer, stack } from "./stack.js"

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
 * The batteries of `options` as one prelude and the layers below it, from
 * the caller down: default headers, base URL and `Accept-Encoding` (once
 * per call), redirects, retries (of each hop alone), cookies and auth (for
 * each attempt, so a retry carries fresh cookies and a fresh Digest
 * count), decompression (of each response). Battery failures go through
 * `fail`.
 */
export const stackOf = <X>(options: Options, fail: Fail<BatteryError, X>) => {
  const events = options.events
  const layers: Array<Layer<X>> = []
  if (options.redirects !== false) layers.push(redirectsLayer(withEvents(options.redirects, events), fail))
  if (options.retries !== false) layers.push(retriesLayer(withEvents(options.retries, events)))
  if (options.cookies !== undefined && options.cookies !== false) {
    const cookieOptions = isCookieJar(options.cookies) ? { jar: options.cookies } : options.cookies
    layers.push(cookiesLayer(withEvents(cookieOptions, events), fail))
  }
  if (options.credentials !== undefined) {
    layers.push(authLayer({ credentials: options.credentials, ...withEvents({}, events) }, fail))
  }
  if (options.decompression !== false)
    layers.push(decompressionLayer(withEvents(options.decompression, events)))
  const headers = options.defaultHeaders ?? true
  const prelude = makePrelude({
    defaults: headers === false ? undefined : headers === true ? {} : headers,
    acceptEncoding: options.decompression !== false
  })
  return { prelude, layers }
}

/**
 * Stacks the batteries on `client`, as one client in front of it. From the
 * caller down: default headers, base URL and `Accept-Encoding` (once per
 * call), redirects, retries (of each hop alone), cookies and auth (for each
 * attempt, so a retry carries fresh cookies and a fresh Digest count),
 * decompression (of each response).
 *
 * @since 0.1.0
 */
export const batteries =
  (options: Options = {}) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E | BatteryError, R> => {
    const { prelude, layers } = stackOf(options, failAsIs<BatteryError>)
    return stack(client, prelude, layers)
  }
