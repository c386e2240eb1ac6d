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
import * as Endpoint from "../endpoint.js"
import { InvalidRequestError, type RequestsError } from "../errors.js"
import type { H1Connection } from "../h1/connection.js"
import type { Exchange } from "../h1/exchange.js"
import type { ResponseHead } from "../h1/response-parser.js"
import type { H1Pool } from "../h1/pool.js"
import { isSerializeError, type RequestFraming, serializeHead } from "../h1/request-serializer.js"
import { type PreparedBody, prepareBody } from "./request-body.js"
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

const toUrl = (request: HttpClientRequest.HttpClientRequest): Either.Either<URL, unknown> => {
  if (request.urlParams.length === 0 && request.hash._tag === "None") {
    try {
      return Either.right(new URL(request.url))
    } catch (cause) {
      return Either.left(cause)
    }
  }
  return UrlParams.makeUrl(request.url, request.urlParams, request.hash)
}

function* headerEntries(headers: Record<string, string>, contentType: string | undefined) {
  for (const name in headers) yield [name, headers[name]!] as const
  if (contentType !== undefined && headers["content-type"] === undefined)
    yield ["content-type", contentType] as const
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

  /** Waits for the head of an exchange already written; interruption abandons it. */
  const awaitResponse = (
    request: HttpClientRequest.HttpClientRequest,
    connection: H1Connection,
    exchange: Exchange
  ): Result =>
    Effect.async((resume) => {
      // The head is announced before the rest of its chunk is parsed; building the
      // response when the fiber resumes lets a body that came along count as arrived.
      exchange.listen((head, failure) =>
        resume(
          head !== undefined
            ? Effect.suspend(() => responseOf(request, connection, exchange, head))
            : Effect.fail(transportError(request, failure!))
        )
      )
      return Effect.sync(() => {
        exchange.unlisten()
        exchange.abandon()
      })
    })

  const sendOn = (
    request: HttpClientRequest.HttpClientRequest,
    connection: H1Connection,
    head: Buffer,
    body: PreparedBody,
    isHead: boolean
  ): Result =>
    body._tag === "Stream"
      ? Effect.flatMap(
          Effect.mapError(connection.sendStreaming(head, body.stream, body.length), (cause) =>
            transportError(request, cause)
          ),
          (exchange) => awaitResponse(request, connection, exchange)
        )
      : awaitResponse(
          request,
          connection,
          connection.send(head, body._tag === "Bytes" ? body.bytes : undefined, isHead)
        )

  return (request: HttpClientRequest.HttpClientRequest): Result => {
    counters.requestsMade++
    const url = toUrl(request)
    if (Either.isLeft(url)) return fail(request, "InvalidUrl", url.left)
    const endpoint = Endpoint.fromUrl(url.right)
    if (endpoint === undefined) {
      return fail(
        request,
        "InvalidUrl",
        new InvalidRequestError({ reason: "InvalidUrl", detail: url.right.protocol })
      )
    }
    const body = prepareBody(request.body)
    if (body instanceof InvalidRequestError) return fail(request, "Encode", body)
    const method = request.method
    const head = serializeHead(
      method,
      url.right.pathname + url.right.search,
      endpoint.authority,
      headerEntries(request.headers, body._tag === "Empty" ? undefined : body.contentType),
      framingOf(method, body)
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
    const idle = pool.takeIdle(endpoint)
    if (idle !== undefined) return sendOn(request, idle, head, body, isHead)
    return Effect.flatMap(
      Effect.mapError(pool.acquire(endpoint), (cause) => transportError(request, cause)),
      (connection) => sendOn(request, connection, head, body, isHead)
    )
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
