/**
 * The `HttpClient` face: maps a platform request to an exchange, hands it to
 * the road below, and maps the answer back: a response whose body is read
 * from the connection on demand, or the platform's error around our typed one.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { InvalidRequestError, type RequestsError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import type { Finish } from "./send.js"
import { prepareBody } from "../exchange/request-body.js"
import { parseRequestTarget, type RequestTarget } from "../exchange/request-target.js"
import { ClientResponse } from "../exchange/response.js"
import type { Observer } from "../observe/observer.js"

type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** Where the request goes, or why its URL is unusable. */
const targetOf = (request: HttpClientRequest.HttpClientRequest): RequestTarget | UnusableUrl => {
  let url: string | URL = request.url
  if (request.urlParams.length > 0 || request.hash._tag === "Some") {
    const built = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (Either.isLeft(built)) return new UnusableUrl(built.left)
    url = built.right
  }
  return (
    parseRequestTarget(url) ??
    new UnusableUrl(
      new InvalidRequestError({ reason: "InvalidUrl", detail: "only http: and https: URLs are supported" })
    )
  )
}

/** A URL the client cannot send to, with the reason. */
class UnusableUrl {
  constructor(readonly cause: unknown) {}
}

const requestError = (
  request: HttpClientRequest.HttpClientRequest,
  reason: "Transport" | "Encode" | "InvalidUrl",
  cause: unknown
) => new HttpClientError.RequestError({ request, reason, cause })

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: RequestsError) =>
  requestError(request, cause._tag === "InvalidRequestError" ? "Encode" : "Transport", cause)

/** The platform's response; a caller that scoped the request gets the connection back when the scope closes, read or not. */
const responseOf = (request: HttpClientRequest.HttpClientRequest, answer: ExchangeResponse): Result => {
  const response = new ClientResponse(request, answer.head, answer.body, answer.remoteAddress)
  if (answer.body.settled) return Effect.succeed(response)
  return Effect.flatMap(Effect.serviceOption(Scope.Scope), (scope) =>
    Option.isNone(scope)
      ? Effect.succeed(response)
      : Effect.as(Scope.addFinalizer(scope.value, Effect.sync(answer.body.abandon)), response)
  )
}

/** An exchange that remembers the platform request it was made from. @internal */
export interface PlatformExchange extends Exchange {
  readonly request: HttpClientRequest.HttpClientRequest
}

/**
 * How the road's outcome becomes the platform's: a response whose body is
 * read on demand, or a `RequestError` around the typed failure.
 *
 * @internal
 */
export const platformFinish: Finish<
  PlatformExchange,
  HttpClientResponse.HttpClientResponse,
  HttpClientError.HttpClientError
> = {
  answered: (exchange, answer) => responseOf(exchange.request, answer),
  failed: (exchange, error) => transportError(exchange.request, error)
}

/**
 * Turns a platform request into an exchange and sends it.
 *
 * @internal
 */
export const makeExecute =
  (send: (exchange: PlatformExchange) => Result, observer: Observer) =>
  (request: HttpClientRequest.HttpClientRequest): Result => {
    observer.requestsMade++
    const target = targetOf(request)
    if (target instanceof UnusableUrl) {
      observer.errors++
      return Effect.fail(requestError(request, "InvalidUrl", target.cause))
    }
    const body = prepareBody(request.body)
    if (body instanceof InvalidRequestError) {
      observer.errors++
      return Effect.fail(requestError(request, "Encode", body))
    }
    return send({
      endpoint: target.endpoint,
      method: request.method,
      target: target.target,
      headers: request.headers,
      body,
      retry: undefined,
      request
    })
  }

/** The request, when it arrives already made (an Exit, as `makeWith` hands it over): no step is needed to run it. */
const made = (
  effect: Effect.Effect<HttpClientRequest.HttpClientRequest>
): HttpClientRequest.HttpClientRequest | undefined => {
  if (!Exit.isExit(effect)) return undefined
  const exit = effect as Exit.Exit<HttpClientRequest.HttpClientRequest>
  return Exit.isSuccess(exit) ? exit.value : undefined
}

/**
 * Wraps an execute function as a platform `HttpClient`. Without tracing the
 * client is built with `makeWith`, which skips the span, AbortController and
 * FinalizationRegistry that `make` sets up for every request.
 *
 * @internal
 */
export const makeClient = (
  execute: (request: HttpClientRequest.HttpClientRequest) => Result,
  options: { readonly tracing: boolean }
): HttpClient.HttpClient =>
  options.tracing
    ? HttpClient.make((request) => execute(request))
    : HttpClient.makeWith((effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) => {
        const request = made(effect)
        return request !== undefined ? execute(request) : Effect.flatMap(effect, execute)
      }, Effect.succeed)
