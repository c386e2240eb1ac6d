/**
 * The `HttpClient` face: turns a platform request into an exchange on a
 * pooled connection, and our typed failures into the platform's errors.
 *
 * @internal
 */
import {
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  type HttpClientResponse,
  UrlParams
} from "@effect/platform"
import { Effect, Either, Option, Scope } from "effect"
import type * as Endpoint from "../endpoint.js"
import { InvalidRequestError, type RequestsError } from "../errors.js"
import type { H1Connection } from "../h1/connection.js"
import type { Exchange, HeadListener } from "../h1/exchange.js"
import type { ResponseHead } from "../h1/response-parser.js"
import type { H1Pool } from "../h1/pool.js"
import { isSerializeError, type RequestFraming, serializeHead } from "../h1/request-serializer.js"
import { type PreparedBody, prepareBody } from "./request-body.js"
import { parseRequestTarget, type RequestTarget } from "./request-target.js"
import { ClientResponse } from "./response.js"

/** Counters the client keeps per request; plain numbers, read by `Requests.stats`. */
export interface ClientCounters {
  requestsMade: number
}

const framingNone: RequestFraming = { _tag: "none" }
const framingChunked: RequestFraming = { _tag: "chunked" }
const framingEmpty: RequestFraming = { _tag: "length", length: 0 }

/** Methods whose requests carry a body by convention, so an empty one is announced as `Content-Length: 0`. */
const expectsBody = (method: string) => method === "POST" || method === "PUT" || method === "PATCH"

const framingOf = (method: string, body: PreparedBody): RequestFraming => {
  switch (body._tag) {
    case "Empty":
      return expectsBody(method) ? framingEmpty : framingNone
    case "Bytes":
      return { _tag: "length", length: body.bytes.byteLength }
    case "Stream":
      return body.length === undefined ? framingChunked : { _tag: "length", length: body.length }
  }
}

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
    return Either.left(cause)
  }
}

const fail = (
  request: HttpClientRequest.HttpClientRequest,
  reason: "Transport" | "Encode" | "InvalidUrl",
  cause: unknown
) => Effect.fail(new HttpClientError.RequestError({ request, reason, cause }))

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: RequestsError) =>
  new HttpClientError.RequestError({
    request,
    reason: cause._tag === "InvalidRequestError" ? "Encode" : "Transport",
    cause
  })

/**
 * Sends one request. The returned response's body is read from the
 * connection when the caller asks for it.
 *
 * With an idle connection at hand and the body in memory, the whole request
 * is one `Effect.async`: write, then resume when the head arrives. Only
 * dialing and streamed bodies take the longer road.
 *
 * @internal
 */
export const makeSend = (pool: H1Pool["Type"], counters: ClientCounters) => {
  type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>

  const responseOf = (
    request: HttpClientRequest.HttpClientRequest,
    connection: H1Connection,
    exchange: Exchange,
    head: ResponseHead
  ): Result => {
    const response = new ClientResponse(request, head, exchange, connection.socket.remoteAddress)
    if (exchange.settled) return Effect.succeed(response)
    // A caller that scoped the request gets the connection back when the scope closes, read or not.
    return Effect.flatMap(Effect.serviceOption(Scope.Scope), (scope) =>
      Option.isNone(scope)
        ? Effect.succeed(response)
        : Effect.as(Scope.addFinalizer(scope.value, Effect.sync(exchange.abandon)), response)
    )
  }

  const onHead =
    (
      request: HttpClientRequest.HttpClientRequest,
      connection: H1Connection,
      exchange: Exchange,
      resume: (effect: Result) => void
    ): HeadListener =>
    (head, failure) =>
      resume(
        head !== undefined
          ? // The head is announced before the rest of its chunk is parsed; building the
            // response when the fiber resumes lets a body that came along count as arrived.
            Effect.suspend(() => responseOf(request, connection, exchange, head))
          : Effect.fail(transportError(request, failure!))
      )

  const abandonOnInterrupt = (exchange: Exchange) =>
    Effect.sync(() => {
      exchange.unlisten()
      exchange.abandon()
    })

  /**
   * Starts the exchange (when `start` is given) and waits for its head, in one
   * `Effect.async`; interruption abandons the exchange.
   */
  const awaitResponse = (
    request: HttpClientRequest.HttpClientRequest,
    connection: H1Connection,
    start: (connection: H1Connection) => Exchange
  ): Result =>
    Effect.async((resume) => {
      const exchange = start(connection)
      exchange.listen(onHead(request, connection, exchange, resume))
      return abandonOnInterrupt(exchange)
    })

  const sendOn = (
    request: HttpClientRequest.HttpClientRequest,
    connection: H1Connection,
    head: Buffer,
    body: PreparedBody,
    isHead: boolean
  ): Result => {
    if (body._tag === "Stream") {
      return Effect.flatMap(
        Effect.mapError(connection.sendStreaming(head, body.stream, body.length), (cause) =>
          transportError(request, cause)
        ),
        (exchange) => awaitResponse(request, connection, () => exchange)
      )
    }
    const bytes = body._tag === "Bytes" ? body.bytes : undefined
    return awaitResponse(request, connection, (c) => c.send(head, bytes, isHead))
  }

  /** Dials, or waits for, a connection when no idle one was at hand. */
  const acquireThenSend = (
    request: HttpClientRequest.HttpClientRequest,
    endpoint: Endpoint.Endpoint,
    head: Buffer,
    body: PreparedBody,
    isHead: boolean
  ): Result =>
    Effect.flatMap(
      Effect.mapError(pool.acquire(endpoint), (cause) => transportError(request, cause)),
      (connection) => sendOn(request, connection, head, body, isHead)
    )

  return (request: HttpClientRequest.HttpClientRequest): Result => {
    counters.requestsMade++
    const parsed = targetOf(request)
    if (Either.isLeft(parsed)) return fail(request, "InvalidUrl", parsed.left)
    const { endpoint, target } = parsed.right
    const body = prepareBody(request.body)
    if (body instanceof InvalidRequestError) return fail(request, "Encode", body)
    const method = request.method
    const head = serializeHead(
      method,
      target,
      endpoint.authority,
      request.headers,
      framingOf(method, body),
      body._tag === "Empty" ? undefined : body.contentType
    )
    if (isSerializeError(head)) {
      return fail(
        request,
        "Encode",
        new InvalidRequestError({
          reason: head.reason === "InvalidTarget" ? "InvalidUrl" : head.reason,
          detail: head.detail
        })
      )
    }
    const isHead = method === "HEAD"
    if (body._tag === "Stream") return acquireThenSend(request, endpoint, head, body, isHead)
    const bytes = body._tag === "Bytes" ? body.bytes : undefined
    // The common case, folded into one suspension: an idle connection, a body in memory.
    return Effect.async((resume) => {
      const connection = pool.takeIdle(endpoint)
      if (connection === undefined) return resume(acquireThenSend(request, endpoint, head, body, isHead))
      const exchange = connection.send(head, bytes, isHead)
      exchange.listen(onHead(request, connection, exchange, resume))
      return abandonOnInterrupt(exchange)
    })
  }
}

/**
 * Wraps a send function as a platform `HttpClient`. Without tracing the
 * client is built with `makeWith`, which skips the span, AbortController and
 * FinalizationRegistry that `make` sets up for every request.
 *
 * @internal
 */
export const makeClient = (
  send: ReturnType<typeof makeSend>,
  options: { readonly tracing: boolean }
): HttpClient.HttpClient =>
  options.tracing
    ? HttpClient.make((request) => send(request))
    : HttpClient.makeWith(
        (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(effect, send),
        Effect.succeed
      )
