/**
 * Events of the client's batteries (decompression, redirects, retries,
 * cookies, auth), shaped like the connection and request events of
 * `Events.ts` so the two sets can be folded into one union.
 *
 * Listeners are called synchronously from request fibers: they must be
 * quick and must not throw.
 *
 * @since 0.1.0
 */
import * as Endpoint from "../../Endpoint.js"

/**
 * The endpoint key of a URL for an event; the URL itself when it does not
 * parse. Only called when an event is built.
 */
export const endpointOf = (url: string): string => {
  const endpoint = URL.canParse(url) ? Endpoint.fromUrl(new URL(url)) : undefined
  return endpoint === undefined ? url : endpoint.key
}

/**
 * A response body was decoded from its content codings, reported when the
 * decoded body ended.
 *
 * @since 0.1.0
 */
export interface Decompressed {
  readonly _tag: "Decompressed"
  /** `scheme://host:port` of the request's URL, as connection and request events name it. */
  readonly endpoint: string
  /** The URL of the request that received the response. */
  readonly url: string
  /** The codings undone, in the order they were undone (reverse of `Content-Encoding`). */
  readonly encodings: ReadonlyArray<string>
  /** Bytes as they arrived. */
  readonly encodedBytes: number
  /** Bytes after decoding. */
  readonly decodedBytes: number
}

/**
 * A redirect was followed.
 *
 * @since 0.1.0
 */
export interface Redirected {
  readonly _tag: "Redirected"
  /** `scheme://host:port` of the request's URL, as connection and request events name it. */
  readonly endpoint: string
  readonly from: string
  readonly to: string
  readonly status: number
  /** The method of the request sent to `to`. */
  readonly method: string
  /** 1 for the first redirect of a request, 2 for the second... */
  readonly hop: number
  /** Credentials and cookies set by the caller were dropped because the origin changed. */
  readonly strippedCredentials: boolean
}

/**
 * Why a request is sent again.
 *
 * @since 0.1.0
 */
export type RetryCause =
  | { readonly _tag: "Status"; readonly status: number }
  | { readonly _tag: "Transport"; readonly error: unknown }

/**
 * A request will be sent again after `waitMillis`.
 *
 * Named apart from `Events.Retried`, which reports the transport's own
 * replays (a reused connection closed before answering, a refused stream).
 *
 * @since 0.1.0
 */
export interface RetryScheduled {
  readonly _tag: "RetryScheduled"
  /** `scheme://host:port` of the request's URL, as connection and request events name it. */
  readonly endpoint: string
  readonly method: string
  readonly url: string
  /** 1 for the first retry. */
  readonly attempt: number
  readonly reason: RetryCause
  /** How long the client waits before sending again. */
  readonly waitMillis: number
  /** The wait came from the response's `Retry-After`. */
  readonly retryAfter: boolean
}

/**
 * A failed request that could have been retried was not, because the
 * client's retry budget was spent.
 *
 * @since 0.1.0
 */
export interface RetryBudgetExhausted {
  readonly _tag: "RetryBudgetExhausted"
  /** `scheme://host:port` of the request's URL, as connection and request events name it. */
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly reason: RetryCause
}

/**
 * A `Set-Cookie` the jar refused (bad domain, public suffix, Secure cookie
 * over http...). User agents ignore such cookies; this makes it visible.
 *
 * @since 0.1.0
 */
export interface CookieRejected {
  readonly _tag: "CookieRejected"
  /** `scheme://host:port` of the request's URL, as connection and request events name it. */
  readonly endpoint: string
  readonly url: string
  /** The cookie's name, never its value. */
  readonly name: string
  readonly cause: unknown
}

/**
 * A request was answered with 401 and sent again with credentials.
 *
 * @since 0.1.0
 */
export interface Authenticated {
  readonly _tag: "Authenticated"
  /** `scheme://host:port` of the request's URL, as connection and request events name it. */
  readonly endpoint: string
  readonly url: string
  readonly scheme: "Basic" | "Digest"
  /** Digest only: the server said the nonce was stale. */
  readonly stale: boolean
}

/**
 * Every event the batteries report.
 *
 * @since 0.1.0
 */
export type BatteryEvent =
  Decompressed | Redirected | RetryScheduled | RetryBudgetExhausted | CookieRejected | Authenticated

/**
 * Receives battery events, synchronously.
 *
 * @since 0.1.0
 */
export type Listener = (event: BatteryEvent) => void
