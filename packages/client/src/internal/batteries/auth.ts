/**
 * Basic and Digest authentication from per-origin credentials, as a
 * combinator on any `HttpClient`.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import { discard, header, isReplayable, requestUrl } from "./client.js"
import { authorization, type DigestChallenge, strongest } from "./digest.js"
import { endpointOf, type Listener } from "./events.js"
import {
  type Fail,
  failAsIs,
  type FiberRefs,
  type Layer,
  passOn,
  type Post,
  type Send,
  stack
} from "./stack.js"
import { parseChallenges } from "./www-authenticate.js"

/**
 * A user name and password.
 *
 * @since 0.1.0
 */
export interface Credentials {
  readonly username: string
  readonly password: string
}

/**
 * Options of {@link auth}.
 *
 * @since 0.1.0
 */
export interface Options {
  /**
   * Credentials by origin (`https://api.test`, `http://127.0.0.1:8080`);
   * each is sent to its origin only. Required.
   */
  readonly credentials: Readonly<Record<string, Credentials>>
  /** Receives `Authenticated` events. Default: none. */
  readonly events?: Listener
}

/**
 * A 401 asked for credentials, and the request's body is a stream that
 * cannot be sent again with them.
 *
 * @since 0.1.0
 */
export class AuthBodyError extends Data.TaggedError("AuthBodyError")<{
  readonly url: string
  readonly method: string
}> {
  override get message(): string {
    return `cannot answer the 401 of ${this.method} ${this.url}: its streamed body cannot be sent again`
  }
}

/** A Digest challenge an origin gave, and how many times its nonce was used. */
interface DigestState {
  readonly challenge: DigestChallenge
  nc: number
}

const currentEnabled = globalValue("@effect-requests/client/Auth/enabled", () => FiberRef.unsafeMake(true))

const basic = (credentials: Credentials): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`

/**
 * Authenticates requests to the origins of `credentials`. Over `https`,
 * Basic is sent up front; over `http`, Basic is never sent. A 401 with a
 * Digest challenge (RFC 7616: MD5, SHA-256, SHA-512-256 and their `-sess`
 * variants, `qop=auth`) is answered once, and once more if the server calls
 * the nonce stale; later requests to the origin answer the same challenge
 * up front, counting the nonce's uses. A 401 that cannot be answered is the
 * response. Requests that set their own `Authorization` are left alone.
 *
 * Credentials go to their own origin only: under `Redirects`, a hop to
 * another origin carries none (`Redirects` also drops a caller's own
 * `Authorization` then).
 *
 * @since 0.1.0
 */
export const auth =
  (options: Options) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E | AuthBodyError, R> =>
    stack(client, undefined, [authLayer(options, failAsIs<AuthBodyError>)])

/** The auth battery, with its Digest state per origin; a request it cannot answer goes through `fail`. */
export const authLayer = <X>(options: Options, fail: Fail<AuthBodyError, X>): Layer<X> => {
  const credentials = new Map<string, Credentials>()
  for (const [origin, value] of Object.entries(options.credentials))
    credentials.set(new URL(origin).origin, value)
  const digests = new Map<string, DigestState>()
  const listener = options.events

  const withDigest = (
    request: HttpClientRequest.HttpClientRequest,
    url: URL,
    state: DigestState,
    own: Credentials
  ) =>
    HttpClientRequest.setHeader(
      request,
      "authorization",
      authorization(state.challenge, own, request.method, `${url.pathname}${url.search}`, ++state.nc)
    )

  const authenticate = <E, R>(
    request: HttpClientRequest.HttpClientRequest,
    fiber: FiberRefs,
    next: Send<E, R>,
    post: Post
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, E | X, R> => {
    const send = (request: HttpClientRequest.HttpClientRequest) => passOn(next, post, request, fiber)
    const url = requestUrl(request)
    const own = url === undefined ? undefined : credentials.get(url.origin)
    if (url === undefined || own === undefined || request.headers["authorization"] !== undefined) {
      return send(request)
    }
    const origin = url.origin
    const secure = url.protocol === "https:"
    const known = digests.get(origin)
    const first =
      known !== undefined
        ? withDigest(request, url, known, own)
        : secure
          ? HttpClientRequest.setHeader(request, "authorization", basic(own))
          : request

    const answer = (
      response: HttpClientResponse.HttpClientResponse,
      sent: DigestState | undefined,
      retries: number
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, E | X, R> => {
      if (response.status !== 401 || retries === 0) return Effect.succeed(response)
      const value = header(response.headers, "www-authenticate")
      const challenge = value === undefined ? undefined : strongest(parseChallenges(value))
      // The same nonce refused without `stale`: the credentials are wrong.
      if (challenge === undefined || (sent?.challenge.nonce === challenge.nonce && !challenge.stale)) {
        return Effect.succeed(response)
      }
      if (!isReplayable(request.body)) {
        return Effect.zipRight(
          discard(response),
          fail(request, new AuthBodyError({ url: url.href, method: request.method }))
        )
      }
      const state: DigestState = { challenge, nc: 0 }
      digests.set(origin, state)
      listener?.({
        _tag: "Authenticated",
        endpoint: endpointOf(url.href),
        url: url.href,
        scheme: "Digest",
        stale: challenge.stale
      })
      return discard(response).pipe(
        Effect.zipRight(send(withDigest(request, url, state, own))),
        Effect.flatMap((again) => answer(again, state, retries - 1))
      )
    }

    return Effect.flatMap(send(first), (response) => answer(response, known, 2))
  }

  const step =
    <E, R>(next: Send<E, R>, post: Post): Send<E | X, R> =>
    (request, fiber) =>
      fiber.getFiberRef(currentEnabled)
        ? authenticate(request, fiber, next, post)
        : passOn(next, post, request, fiber)
  return { step }
}

/**
 * Runs `effect` with its requests sent without credentials.
 *
 * @since 0.1.0
 */
export const disabled = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentEnabled, false)
