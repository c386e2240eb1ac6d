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
import * as Clock from "effect/Clock"
import { InvalidRequestError, type RequestsError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import type { Finish } from "./send.js"
import { prepareBody } from "../exchange/request-body.js"
import { parseRequestTarget, type RequestTarget } from "../exchange/request-target.js"
import { ClientResponse } from "../exchange/response.js"
import { byDeadline } from "../limits/deadline.js"
import {
  currentDeadlines,
  noDeadlines,
  noLimits,
  type ResponseLimits,
  stallOverrideOf
} from "../limits/settings.js"
import type { Observer } from "../observe/observer.js"

type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

/** Where the request goes, or why its URL is unusable. */
const targetOf = (request: HttpClientRequest.HttpClientRequest): RequestTarget | UnusableUrl => {
  let url: string | URL = request.url
  if (request.urlParams.length > 0 || request.hash._tag === "Some") {
    const built = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (Either.isLeft(built)) return new UnusableUrl(invalidUrl(request, built.left))
    url = built.right
  }
  try {
    return (
      parseRequestTarget(url) ??
      new UnusableUrl(
        new InvalidRequestError({ reason: "InvalidUrl", detail: "only http: and https: URLs are supported" })
      )
    )
  } catch (cause) {
    return new UnusableUrl(invalidUrl(request, cause))
  }
}

/** The URL parser's error, typed and worded as ours. */
const invalidUrl = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new InvalidRequestError({
    reason: "InvalidUrl",
    detail: cause instanceof Error ? `${cause.message}: ${request.url}` : String(cause)
  })

/** A URL the client cannot send to, with the reason. */
class UnusableUrl {
  constructor(readonly cause: unknown) {}
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
  deadline: number | undefined,
  timeoutMillis: number | undefined
): Result => {
  const response = new ClientResponse(
    request,
    answer.head,
    answer.body,
    answer.remoteAddress,
    answer.protocol,
    limits,
    deadline,
    timeoutMillis
  )
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
  /** Clock time in ms by which the whole request must be done, when a `timeout` applies. */
  readonly deadline: number | undefined
  /** That `timeout`, in ms. */
  readonly timeoutMillis: number | undefined
}

/**
 * How the road's outcome becomes the platform's: a response whose body is
 * read on demand within the client's limits, or a `RequestError` around the
 * typed failure.
 *
 * @internal
 */
export const makePlatformFinish = (
  limits: ResponseLimits = noLimits
): Finish<PlatformExchange, HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => ({
  answered: (exchange, answer) =>
    responseOf(exchange.request, answer, limits, exchange.deadline, exchange.timeoutMillis),
  failed: (exchange, error) => transportError(exchange.request, error)
})

/**
 * Turns a platform request into an exchange and sends it, within the
 * whole-request `timeout` when one applies (the layer's, or the fiber's
 * `Timeouts.withTimeout`), carrying the fiber's `headersTimeout` and
 * `bodyTimeout` overrides down to the pools.
 *
 * @internal
 */
export const makeExecute =
  (send: (exchange: PlatformExchange) => Result, observer: Observer, limits: ResponseLimits = noLimits) =>
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
    // One FiberRef read for every per-request deadline; nothing more when none is set.
    return Effect.withFiberRuntime((fiber) => {
      const deadlines = fiber.getFiberRef(currentDeadlines)
      const timeout = deadlines === noDeadlines ? limits.timeout : (deadlines.timeout ?? limits.timeout)
      const bounded = timeout !== undefined && Number.isFinite(timeout)
      const exchange: PlatformExchange = {
        endpoint: target.endpoint,
        method: request.method,
        target: target.target,
        headers: request.headers,
        body,
        retry: undefined,
        stall: deadlines === noDeadlines ? undefined : stallOverrideOf(deadlines),
        request,
        deadline: undefined,
        timeoutMillis: bounded ? timeout : undefined
      }
      if (!bounded) return send(exchange)
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        byDeadline(
          send({ ...exchange, deadline: now + timeout }),
          now + timeout,
          timeout,
          target.endpoint.key,
          "headers"
        ).pipe(Effect.catchTag("TimeoutError", (error) => Effect.fail(transportError(request, error))))
      )
    })
  }

/**
 * The request, when it arrives already made (an Exit, as `makeWith` hands it over): no step is needed to run it.
 *
 * @internal
 */
export const made = (
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
