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
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Clock from "effect/Clock"
import { InvalidRequestError, type RequestsError, type TimeoutError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import { prepareBody } from "../exchange/request-body.js"
import { parseRequestTarget, type RequestTarget } from "../exchange/request-target.js"
import { ClientResponse } from "../exchange/response.js"
import { byDeadline } from "../limits/deadline.js"
import { currentTimeout, noLimits, type ResponseLimits } from "../limits/settings.js"
import type { Observer } from "../observe/observer.js"

type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** Where the request goes; `Left` with the cause when its URL is unusable. */
const targetOf = (request: HttpClientRequest.HttpClientRequest): Either.Either<RequestTarget, unknown> => {
  try {
    const url =
      request.urlParams.length === 0 && request.hash._tag === "None"
        ? request.url
        : Either.getOrThrow(UrlParams.makeUrl(request.url, request.urlParams, request.hash))
    const target = parseRequestTarget(url)
    return target === undefined
      ? Either.left(
          new InvalidRequestError({
            reason: "InvalidUrl",
            detail: "only http: and https: URLs are supported"
          })
        )
      : Either.right(target)
  } catch (cause) {
    // The URL parser's TypeError, typed and worded as ours.
    return Either.left(
      new InvalidRequestError({
        reason: "InvalidUrl",
        detail: cause instanceof Error ? `${cause.message}: ${request.url}` : String(cause)
      })
    )
  }
}

/** The cause's own words go in `description`, so the platform error's message says what happened. */
const requestError = (
  request: HttpClientRequest.HttpClientRequest,
  reason: "Transport" | "Encode" | "InvalidUrl",
  cause: unknown
) =>
  new HttpClientError.RequestError({
    request,
    reason,
    cause,
    ...(cause instanceof Error ? { description: cause.message } : {})
  })

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: RequestsError) =>
  requestError(request, cause._tag === "InvalidRequestError" ? "Encode" : "Transport", cause)

/** The platform's response; a caller that scoped the request gets the connection back when the scope closes, read or not. */
const responseOf = (
  request: HttpClientRequest.HttpClientRequest,
  answer: ExchangeResponse,
  limits: ResponseLimits,
  deadline: number | undefined
): Result => {
  const response = new ClientResponse(
    request,
    answer.head,
    answer.body,
    answer.remoteAddress,
    answer.protocol,
    limits,
    deadline
  )
  if (answer.body.settled) return Effect.succeed(response)
  return Effect.flatMap(Effect.serviceOption(Scope.Scope), (scope) =>
    Option.isNone(scope)
      ? Effect.succeed(response)
      : Effect.as(Scope.addFinalizer(scope.value, Effect.sync(answer.body.abandon)), response)
  )
}

/**
 * Turns a platform request into an exchange and sends it.
 *
 * @internal
 */
export const makeExecute =
  (
    send: (exchange: Exchange) => Effect.Effect<ExchangeResponse, RequestsError>,
    observer: Observer,
    limits: ResponseLimits = noLimits
  ) =>
  (request: HttpClientRequest.HttpClientRequest): Result => {
    observer.requestsMade++
    const parsed = targetOf(request)
    if (Either.isLeft(parsed)) {
      observer.errors++
      return Effect.fail(requestError(request, "InvalidUrl", parsed.left))
    }
    const body = prepareBody(request.body)
    if (body instanceof InvalidRequestError) {
      observer.errors++
      return Effect.fail(requestError(request, "Encode", body))
    }
    const exchange: Exchange = {
      endpoint: parsed.right.endpoint,
      method: request.method,
      target: parsed.right.target,
      headers: request.headers,
      body,
      retry: undefined
    }
    const answered = (deadline: number | undefined) => ({
      onFailure: (cause: RequestsError | TimeoutError) => Effect.fail(transportError(request, cause)),
      onSuccess: (answer: ExchangeResponse) => responseOf(request, answer, limits, deadline)
    })
    return Effect.withFiberRuntime((fiber) => {
      const timeout = fiber.getFiberRef(currentTimeout) ?? limits.timeout
      if (timeout === undefined || !Number.isFinite(timeout)) {
        return Effect.matchEffect(send(exchange), answered(undefined))
      }
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.matchEffect(
          byDeadline(send(exchange), now + timeout, timeout, exchange.endpoint.key, "headers"),
          answered(now + timeout)
        )
      )
    })
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
    : HttpClient.makeWith(
        (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(effect, execute),
        Effect.succeed
      )
