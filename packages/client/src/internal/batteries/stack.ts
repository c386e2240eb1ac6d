/**
 * How batteries stand between the caller and a client: each battery is a
 * step over the next one's `send`, or a pure change to responses that the
 * step above applies, and the layers of a whole stack are chained once,
 * when the client is built, then wrapped in a single `HttpClient`. A
 * request through the stack costs one read of its fiber and whatever each
 * step does on its way, with no client layer per battery.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import type * as FiberRef from "effect/FiberRef"
import { made } from "../client/http-client.js"

/** The fiber a request runs on, for the steps to read their per-request overrides from. */
export interface FiberRefs {
  readonly getFiberRef: <A>(ref: FiberRef.FiberRef<A>) => A
}

/** Sends a request through the rest of the stack. */
export type Send<E, R> = (
  request: HttpClientRequest.HttpClientRequest,
  fiber: FiberRefs
) => Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>

/**
 * A pure change to each response coming up from below (decoding its body),
 * applied by the step above it inside that step's own continuation, so
 * that it costs no step of its own.
 */
export type Post = (
  response: HttpClientResponse.HttpClientResponse,
  fiber: FiberRefs
) => HttpClientResponse.HttpClientResponse

/**
 * One battery around the rest of the stack, adding the failures `X`. Every
 * response it receives from `next` goes through `post` first: a step must
 * apply it on every path, retries and later hops included.
 */
export type Step<X> = <E, R>(next: Send<E, R>, post: Post) => Send<E | X, R>

/** A layer of a stack: a {@link Step}, or a {@link Post} fused into the step above it. */
export type Layer<X> = { readonly step: Step<X> } | { readonly post: Post }

const identity: Post = (response) => response

/** `next` of `request`, its response through `post`, for a step that has nothing else to do with it. */
export const passOn = <E, R>(
  next: Send<E, R>,
  post: Post,
  request: HttpClientRequest.HttpClientRequest,
  fiber: FiberRefs
): Effect.Effect<HttpClientResponse.HttpClientResponse, E, R> =>
  post === identity
    ? next(request, fiber)
    : Effect.flatMap(next(request, fiber), (response) => Effect.succeed(post(response, fiber)))

/** `first`, then `second`. */
const andThen =
  (first: Post, second: Post): Post =>
  (response, fiber) =>
    second(first(response, fiber), fiber)

/**
 * How a battery's own failure `B` reaches the caller: as itself when the
 * battery is used as a combinator, wrapped in the platform's error under
 * `Requests.layer`. Applied where the failure arises, so that the
 * successful path carries no handler for it.
 */
export type Fail<B, X> = (request: HttpClientRequest.HttpClientRequest, error: B) => Effect.Effect<never, X>

/** {@link Fail} for a combinator: the battery's error as is. */
export const failAsIs = <B>(
  _request: HttpClientRequest.HttpClientRequest,
  error: B
): Effect.Effect<never, B> => Effect.fail(error)

/**
 * What happens to a request once per call, before any step: default
 * headers, base URL, `Accept-Encoding`. Returns the request itself when
 * there is nothing to add.
 */
export type Prelude = (
  request: HttpClientRequest.HttpClientRequest,
  fiber: FiberRefs
) => HttpClientRequest.HttpClientRequest

/**
 * `client` with `layers` in front of it, the first layer nearest the
 * caller, and `prelude` applied to each request first. The layers are
 * chained here, once per client.
 */
export const stack = <E, R, X>(
  client: HttpClient.HttpClient.With<E, R>,
  prelude: Prelude | undefined,
  layers: ReadonlyArray<Layer<X>>
): HttpClient.HttpClient.With<E | X, R> => {
  let send: Send<E | X, R> = (request) => client.execute(request)
  let post: Post | undefined = undefined
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!
    if ("post" in layer) {
      post = post === undefined ? layer.post : andThen(post, layer.post)
    } else {
      send = layer.step(send, post ?? identity)
      post = undefined
    }
  }
  if (post !== undefined) {
    const below = send
    const last = post
    send = (request, fiber) =>
      Effect.flatMap(below(request, fiber), (response) => Effect.succeed(last(response, fiber)))
  }
  const top = send
  const run = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, E | X, R> =>
    Effect.withFiberRuntime((fiber) =>
      prelude === undefined ? top(request, fiber) : top(prelude(request, fiber), fiber)
    )
  return HttpClient.makeWith((effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) => {
    const request = made(effect)
    return request !== undefined ? run(request) : Effect.flatMap(effect, run)
  }, Effect.succeed)
}
