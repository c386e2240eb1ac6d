/**
 * `Set-Cookie` values as a response received them.
 *
 * `HttpClientResponse.cookies` holds one cookie per name, so two cookies of
 * one name for different paths or domains, which servers do send, would
 * reach the jar as one. A response that keeps the raw values can offer them
 * under {@link SetCookieHeaders}; others fall back to `cookies`.
 */
import * as PlatformCookies from "@effect/platform/Cookies"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"

/**
 * The key under which a response may offer its raw `Set-Cookie` values.
 *
 * @since 0.1.0
 */
export const SetCookieHeaders: unique symbol = Symbol.for("@effect-requests/client/SetCookieHeaders")

/**
 * A response offering its raw `Set-Cookie` values.
 *
 * @since 0.1.0
 */
export interface WithSetCookieHeaders {
  readonly [SetCookieHeaders]: ReadonlyArray<string>
}

const offers = (response: object): response is WithSetCookieHeaders => SetCookieHeaders in response

/** The response's `Set-Cookie` values, raw when it offers them. */
export const setCookieHeaders = (response: HttpClientResponse.HttpClientResponse): ReadonlyArray<string> =>
  offers(response) ? response[SetCookieHeaders] : PlatformCookies.toSetCookieHeaders(response.cookies)
