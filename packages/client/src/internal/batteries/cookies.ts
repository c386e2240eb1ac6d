/**
 * A cookie jar (tough-cookie) in front of any `HttpClient`.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import type { SerializedCookieJar } from "tough-cookie"
import { requestUrl } from "./client.js"
import { CookieJar, isCookieJar } from "./cookie-jar.js"
import { endpointOf, type Listener } from "./events.js"
import { setCookieHeaders } from "./set-cookie.js"
import { type Fail, failAsIs, type Layer, passOn, type Post, type Send, stack } from "./stack.js"

/**
 * The cookie store failed to read or write (a custom tough-cookie `Store`).
 *
 * @since 0.1.0
 */
export class CookieStoreError extends Data.TaggedError("CookieStoreError")<{
  readonly url: string
  readonly operation: "get" | "set" | "serialize" | "deserialize"
  readonly cause: unknown
}> {
  override get message(): string {
    return `cookie store failed to ${this.operation} for ${this.url}`
  }
}

/**
 * Options of {@link cookies}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The jar to read and fill. Default: a new in-memory jar, private to the client. */
  readonly jar?: CookieJar
  /**
   * The SameSite context requests are made in, as tough-cookie takes it:
   * `"strict"` sends and accepts every cookie; `"lax"` and `"none"` treat
   * requests as coming from another site. Default: SameSite not enforced,
   * as befits a client that is no browser.
   */
  readonly sameSiteContext?: "strict" | "lax" | "none"
  /** Receives `CookieRejected` events. Default: none. */
  readonly events?: Listener
}

const currentJar = globalValue("@effect-requests/client/Cookies/jar", () =>
  FiberRef.unsafeMake<CookieJar | false | undefined>(undefined)
)

const nameOf = (setCookie: string): string => {
  const end = setCookie.indexOf("=")
  return (end < 0 ? setCookie : setCookie.slice(0, end)).trim()
}

/**
 * Sends the jar's cookies for each request's URL (added to any `Cookie` the
 * request sets) and stores each response's `Set-Cookie`s, with domain,
 * path, expiry (tough-cookie reads the system clock), `Secure`, `HttpOnly`, `SameSite` and
 * public-suffix rules applied by tough-cookie. Below `Redirects`, every hop
 * reads and fills the jar. Cookies the jar refuses are reported as
 * `CookieRejected` and otherwise ignored, as user agents do.
 *
 * Takes the options, a jar, or `true` for a new in-memory jar.
 *
 * @since 0.1.0
 */
export const cookies =
  (options: Options | CookieJar | true = true) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E | CookieStoreError, R> =>
    stack(client, undefined, [cookiesLayer(options, failAsIs<CookieStoreError>)])

/** The cookies battery, its store failures going through `fail`. */
export const cookiesLayer = <X>(
  options: Options | CookieJar | true,
  fail: Fail<CookieStoreError, X>
): Layer<X> => {
  const resolved: Options = options === true ? {} : isCookieJar(options) ? { jar: options } : options
  const clientJar = resolved.jar ?? new CookieJar()
  const sameSiteContext = resolved.sameSiteContext
  const listener = resolved.events

  const store = (jar: CookieJar, url: string, response: HttpClientResponse.HttpClientResponse) => {
    const setCookies = setCookieHeaders(response)
    if (setCookies.length === 0) return Effect.void
    return Effect.forEach(
      setCookies,
      (setCookie) =>
        Effect.tryPromise(() => jar.setCookie(setCookie, url, { sameSiteContext })).pipe(
          // Told apart from a store failure by setting again, rule errors ignored.
          Effect.catchAll((rejection) =>
            Effect.tryPromise({
              try: () => jar.setCookie(setCookie, url, { sameSiteContext, ignoreError: true }),
              catch: (cause) => new CookieStoreError({ url, operation: "set", cause })
            }).pipe(
              Effect.tap(() =>
                listener?.({
                  _tag: "CookieRejected",
                  endpoint: endpointOf(url),
                  url,
                  name: nameOf(setCookie),
                  cause: rejection.error
                })
              )
            )
          )
        ),
      { discard: true }
    )
  }

  const step =
    <E, R>(next: Send<E, R>, post: Post): Send<E | X, R> =>
    (request, fiber) => {
      const jar = fiber.getFiberRef(currentJar) ?? clientJar
      const parsed = requestUrl(request)
      // An unparsable URL is the client's to report.
      if (jar === false || parsed === undefined) {
        return passOn(next, post, request, fiber)
      }
      const url = parsed.href
      const lift = (error: CookieStoreError) => fail(request, error)
      return Effect.gen(function* () {
        const jarCookies = yield* Effect.tryPromise({
          try: () => jar.getCookieString(url, { sameSiteContext }),
          catch: (cause) => new CookieStoreError({ url, operation: "get", cause })
        }).pipe(Effect.catchAll(lift))
        const own = request.headers["cookie"]
        const outgoing =
          jarCookies === ""
            ? request
            : HttpClientRequest.setHeader(
                request,
                "cookie",
                own === undefined ? jarCookies : `${own}; ${jarCookies}`
              )
        const response = post(yield* next(outgoing, fiber), fiber)
        yield* Effect.catchAll(store(jar, url, response), lift)
        return response
      })
    }
  return { step }
}

/**
 * Runs `effect` with its requests reading and filling `jar` instead of the
 * client's.
 *
 * @since 0.1.0
 */
export const withJar: {
  (jar: CookieJar): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, jar: CookieJar): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, jar: CookieJar): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentJar, jar)
)

/**
 * Runs `effect` with its requests neither sending nor storing cookies.
 *
 * @since 0.1.0
 */
export const disabled = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentJar, false)

/**
 * The jar's cookies as JSON-ready data, to persist.
 *
 * @since 0.1.0
 */
export const serialize = (jar: CookieJar): Effect.Effect<SerializedCookieJar, CookieStoreError> =>
  Effect.tryPromise({
    try: () => jar.serialize(),
    catch: (cause) => new CookieStoreError({ url: "", operation: "serialize", cause })
  })

/**
 * A new in-memory jar holding the cookies of {@link serialize}'s output (or
 * its JSON text).
 *
 * @since 0.1.0
 */
export const deserialize = (
  serialized: SerializedCookieJar | string
): Effect.Effect<CookieJar, CookieStoreError> =>
  Effect.tryPromise({
    try: () => CookieJar.deserialize(serialized),
    catch: (cause) => new CookieStoreError({ url: "", operation: "deserialize", cause })
  })

export { CookieJar, type SerializedCookieJar }
