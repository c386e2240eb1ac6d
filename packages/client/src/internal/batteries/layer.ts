/**
 * The batteries as `Requests.layer` options: what each option means, and
 * the client the layer hands out with them stacked on.
 */
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import type { Credentials } from "./auth.js"
import { type BatteryError, type Options as BatteriesOptions, stackOf } from "./batteries.js"
import { isCookieJar } from "./cookie-jar.js"
import { type CookieJar, type Options as CookiesOptions } from "./cookies.js"
import type { Options as DecompressionOptions } from "./decompression.js"
import type { Listener } from "./events.js"
import type { Options as RedirectsOptions } from "./redirects.js"
import type { Options as RetriesOptions } from "./retries.js"
import { stack } from "./stack.js"

/**
 * The battery options of `Requests.layer`. The layer routes every battery
 * event to its own `events` listener, so the options here have none.
 *
 * @since 0.1.0
 */
export interface BatteryLayerOptions {
  /**
   * `false` hands out the bare client: none of the options below apply, no
   * header is added, nothing is followed, retried or decoded. Default `true`.
   */
  readonly batteries?: boolean
  /**
   * Ask for (`Accept-Encoding: gzip, deflate, br`, `zstd` where the runtime
   * has it) and decode compressed response bodies, within limits. Per
   * request: `Decompression.disabled`, `Decompression.withMaxBodySize`.
   * Default `true` (no size limit, a ratio limit of 100 past 1 MiB).
   */
  readonly decompress?: boolean | Omit<DecompressionOptions, "events">
  /**
   * Follow redirects, dropping credentials and cookies across origins, never
   * from https to http. Per request: `Redirects.withMax`,
   * `Redirects.disabled`. Default `{ max: 10 }`.
   */
  readonly redirects?: boolean | Omit<RedirectsOptions, "events">
  /**
   * Retry idempotent requests after transport failures and 408, 429, 500,
   * 502, 503, 504, with jittered backoff or `Retry-After`, within a budget.
   * These sit above the transport's own replays and are counted apart. Per
   * request: `Retries.withRetries`, `Retries.disabled`. Default `true`
   * (2 retries).
   */
  readonly retry?: boolean | Omit<RetriesOptions, "events">
  /**
   * Keep cookies: `true` for a jar of the client's own, a tough-cookie
   * `CookieJar` to share or persist one, or options. Per request:
   * `Cookies.withJar`, `Cookies.disabled`. Default `false`: a client is
   * often shared by unrelated callers (the users of a server, the tenants of
   * a job runner), and a jar would carry one caller's session to the next.
   */
  readonly cookies?: boolean | CookieJar | Omit<CookiesOptions, "events">
  /**
   * Credentials by origin, e.g. `{ "https://api.test": { username, password } }`:
   * Basic up front over https, Digest (MD5, SHA-256, SHA-512-256) on a 401,
   * sent to their own origin only. Per request: `Auth.disabled`. Default: none.
   */
  readonly credentials?: Readonly<Record<string, Credentials>>
  /** Headers every request carries unless it sets its own. Default: none. */
  readonly headers?: Headers.Input
  /** Prefix of relative request URLs (`get("/users")`). Default: none. */
  readonly baseUrl?: string | URL
  /**
   * `User-Agent` sent unless the request sets one; `false` for none.
   * Default `effect-requests/<version>`. `Accept: *\/*` is sent likewise
   * unless `headers` or the request set it.
   */
  readonly userAgent?: string | false
}

const orDefault = <A extends object>(option: boolean | A | undefined): A | boolean => option ?? true

/** Each battery's options as `Batteries.batteries` takes them, every event going to `listener`. */
const stackOptions = (options: BatteryLayerOptions, listener: Listener): BatteriesOptions => {
  const cookies = options.cookies ?? false
  return {
    defaultHeaders: {
      ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {})
    },
    decompression: orDefault(options.decompress),
    redirects: orDefault(options.redirects),
    retries: orDefault(options.retry),
    cookies: isCookieJar(cookies) ? { jar: cookies } : cookies,
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    events: listener
  }
}

/** A battery's own failure as the platform's error, with the battery's typed error as its `cause`. */
const asRequestError = (
  request: HttpClientRequest.HttpClientRequest,
  cause: BatteryError
): Effect.Effect<never, HttpClientError.HttpClientError> =>
  Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))

/**
 * `client` with the batteries of `options` stacked on, as the platform's
 * `HttpClient`: a battery's own failure (too many redirects, a redirect
 * loop, a cookie store failing...) reaches the caller as a `RequestError`
 * of reason `Transport` whose `cause` is the battery's typed error.
 */
export const withBatteries = (
  client: HttpClient.HttpClient,
  options: BatteryLayerOptions,
  listener: Listener
): HttpClient.HttpClient => {
  if (options.batteries === false) return client
  const { prelude, layers } = stackOf(stackOptions(options, listener), asRequestError)
  return stack(client, prelude, layers)
}
