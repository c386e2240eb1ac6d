/**
 * Redirect following as a combinator on any `HttpClient`.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import { discard } from "./client.js"
import { endpointOf, type Listener } from "./events.js"
import { type Hop, RedirectLoopError, type RedirectError, TooManyRedirectsError } from "./redirect-errors.js"
import { nextStep, type Step as Redirect } from "./redirect-step.js"
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

/**
 * Options of {@link redirects}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Most redirects followed for one request; `0` returns redirects as responses. Default `10`. */
  readonly max?: number
  /** Follow redirects from `https` to `http`. Default `false`. */
  readonly allowDowngrade?: boolean
  /** Receives `Redirected` events. Default: none. */
  readonly events?: Listener
}

/**
 * Where a response came from after redirects.
 *
 * @since 0.1.0
 */
export interface History {
  /** The URL that answered with the final response. */
  readonly url: string
  /** The redirects followed, first to last; empty when there were none. */
  readonly hops: ReadonlyArray<Hop>
}

const currentMax = globalValue("@effect-requests/client/Redirects/max", () =>
  FiberRef.unsafeMake<number | undefined>(undefined)
)

// Keyed by the final request, which every response wrapper passes through.
const histories = globalValue(
  "@effect-requests/client/Redirects/histories",
  () => new WeakMap<HttpClientRequest.HttpClientRequest, History>()
)

/**
 * The redirects that led to `response`, when it came through
 * {@link redirects}: the final URL, and each hop.
 *
 * @since 0.1.0
 */
export const history = (response: HttpClientResponse.HttpClientResponse): History =>
  histories.get(response.request) ?? { url: response.request.url, hops: [] }

/** Sees whether a redirect was already followed for this request, the same way. */
const edge = (hop: Hop): string => `${hop.method} ${hop.url} ${hop.status} ${hop.location}`

const noHops: ReadonlyArray<Hop> = []

const isStep = (step: Redirect | RedirectError): step is Redirect => !("_tag" in step)

/**
 * Follows redirects: 301 and 302 turn POST into GET, 303 turns anything but
 * HEAD into GET, 307 and 308 keep the method and body, which must then be in
 * memory (else `RedirectBodyError`). `Authorization`, `Cookie` and
 * `Proxy-Authorization` are dropped when the origin changes; `https` to
 * `http` is refused (`RedirectDowngradeError`) unless `allowDowngrade`. A
 * redirect followed twice the same way fails with `RedirectLoopError`, one
 * past `max` with `TooManyRedirectsError`, each carrying the chain.
 *
 * The final response is the one the last URL gave; {@link history} tells
 * its URL and the hops. Bodies of redirect responses are drained (up to
 * 64 KiB) or dropped.
 *
 * @since 0.1.0
 */
export const redirects =
  (options: Options = {}) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E | RedirectError, R> =>
    stack(client, undefined, [redirectsLayer(options, failAsIs<RedirectError>)])

/** The redirects battery, its failures going through `fail`. */
export const redirectsLayer = <X>(options: Options, fail: Fail<RedirectError, X>): Layer<X> => {
  const defaultMax = options.max ?? 10
  const allowDowngrade = options.allowDowngrade ?? false
  const listener = options.events
  /** The redirects followed for one call so far; made at the first, most calls having none. */
  interface Followed {
    readonly chain: Array<Hop>
    readonly seen: Set<string>
  }
  const stop = <X1>(
    response: HttpClientResponse.HttpClientResponse,
    failure: Effect.Effect<never, X1>
  ): Effect.Effect<never, X1> => Effect.zipRight(discard(response), failure)

  const follow = <E, R>(next: Send<E, R>, post: Post): Send<E | X, R> => {
    type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, E | X, R>
    // State goes by argument, so a call without redirects allocates one continuation.
    const hop = (
      first: HttpClientRequest.HttpClientRequest,
      fiber: FiberRefs,
      max: number,
      request: HttpClientRequest.HttpClientRequest,
      followed: Followed | undefined
    ): Result =>
      Effect.flatMap(next(request, fiber), (raw) =>
        answer(first, fiber, max, request, followed, post(raw, fiber))
      )
    const answer = (
      first: HttpClientRequest.HttpClientRequest,
      fiber: FiberRefs,
      max: number,
      request: HttpClientRequest.HttpClientRequest,
      followed: Followed | undefined,
      response: HttpClientResponse.HttpClientResponse
    ): Result => {
      const step = nextStep(request, response, followed?.chain ?? noHops, allowDowngrade)
      if (step === undefined) {
        if (followed !== undefined) {
          const chain = followed.chain
          histories.set(response.request, { url: chain[chain.length - 1]!.location, hops: chain })
        }
        return Effect.succeed(response)
      }
      if (!isStep(step)) return stop(response, fail(first, step))
      const state = followed ?? { chain: [], seen: new Set() }
      const chain = state.chain
      const key = edge(step.hop)
      chain.push(step.hop)
      if (state.seen.has(key)) {
        return stop(response, fail(first, new RedirectLoopError({ url: first.url, chain })))
      }
      if (chain.length > max) {
        return stop(response, fail(first, new TooManyRedirectsError({ url: first.url, max, chain })))
      }
      state.seen.add(key)
      listener?.({
        _tag: "Redirected",
        endpoint: endpointOf(step.hop.url),
        from: step.hop.url,
        to: step.hop.location,
        status: step.hop.status,
        method: step.request.method,
        hop: chain.length,
        strippedCredentials: step.strippedCredentials
      })
      return Effect.zipRight(discard(response), hop(first, fiber, max, step.request, state))
    }
    return (first, fiber) => {
      const max = fiber.getFiberRef(currentMax) ?? defaultMax
      if (max === 0) {
        return passOn(next, post, first, fiber)
      }
      return hop(first, fiber, max, first, undefined)
    }
  }
  return { step: follow }
}

/**
 * Runs `effect` with at most `max` redirects followed per request.
 *
 * @since 0.1.0
 */
export const withMax: {
  (max: number): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, max: number): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, max: number): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentMax, max)
)

/**
 * Runs `effect` with redirects not followed: a 3xx response is returned as is.
 *
 * @since 0.1.0
 */
export const disabled = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentMax, 0)
