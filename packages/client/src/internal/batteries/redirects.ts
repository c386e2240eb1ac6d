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
import { around, withFiberRef, discard } from "./client.js"
import { endpointOf, type Listener } from "./events.js"
import { type Hop, RedirectLoopError, type RedirectError, TooManyRedirectsError } from "./redirect-errors.js"
import { nextStep, type Step } from "./redirect-step.js"

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

const isStep = (step: Step | RedirectError): step is Step => !("_tag" in step)

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
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E | RedirectError, R> => {
    const defaultMax = options.max ?? 10
    const allowDowngrade = options.allowDowngrade ?? false
    const listener = options.events
    return around(client, (first, send) =>
      withFiberRef(currentMax, (override) => {
        const max = override ?? defaultMax
        // Most responses are no redirect: the chain is made for the first one that is.
        const chain: Array<Hop> = []
        let seen: Set<string> | undefined = undefined
        const loop = (
          request: HttpClientRequest.HttpClientRequest
        ): Effect.Effect<HttpClientResponse.HttpClientResponse, E | RedirectError, R> =>
          Effect.flatMap(send(request), (response) => {
            const step = max === 0 ? undefined : nextStep(request, response, chain, allowDowngrade)
            if (step === undefined) {
              if (chain.length > 0) {
                histories.set(response.request, { url: chain[chain.length - 1]!.location, hops: chain })
              }
              return Effect.succeed(response)
            }
            if (!isStep(step)) return Effect.zipRight(discard(response), Effect.fail(step))
            const key = edge(step.hop)
            chain.push(step.hop)
            if (seen?.has(key) === true) {
              return Effect.zipRight(
                discard(response),
                Effect.fail(new RedirectLoopError({ url: first.url, chain }))
              )
            }
            if (chain.length > max) {
              return Effect.zipRight(
                discard(response),
                Effect.fail(new TooManyRedirectsError({ url: first.url, max, chain }))
              )
            }
            ;(seen ??= new Set()).add(key)
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
            return Effect.zipRight(discard(response), loop(step.request))
          })
        return loop(first)
      })
    )
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
