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
import type * as Endpoint from "../../Endpoint.js"
import { InvalidRequestError, type Protocol, type RequestsError } from "../../Errors.js"
import type { RetryReason } from "../../Events.js"
import type { Observer, OriginCounters } from "../observe/observer.js"
import type { H1Connection } from "../h1/connection.js"
import type { Exchange, HeadListener } from "../h1/exchange.js"
import type { ResponseHead } from "../h1/response-parser.js"
import type { H1Pool } from "../h1/pool.js"
import type { H2ConnectionPool } from "../h2/pool.js"
import type { ProtocolRouter } from "../router/protocol-router.js"
import type { Ticket } from "../h1/ticket.js"
import { isSerializeError, type RequestFraming, serializeHead } from "../h1/request-serializer.js"
import { expectsBody, type PreparedBody, prepareBody } from "../exchange/request-body.js"

type StreamBody = Extract<PreparedBody, { readonly _tag: "Stream" }>
import { parseRequestTarget, type RequestTarget } from "../exchange/request-target.js"
import { ClientResponse } from "../exchange/response.js"

const framingNone: RequestFraming = { _tag: "none" }
const framingChunked: RequestFraming = { _tag: "chunked" }
const framingEmpty: RequestFraming = { _tag: "length", length: 0 }

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

/** RFC 9110 §9.2.2: a method whose repetition has the same effect as one request. */
const idempotent = (method: string) =>
  method === "GET" ||
  method === "HEAD" ||
  method === "OPTIONS" ||
  method === "TRACE" ||
  method === "PUT" ||
  method === "DELETE"

/** Everything about one request that every attempt at it shares. */
interface Outgoing {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly endpoint: Endpoint.Endpoint
  /** Path and query, for events. */
  readonly target: string
  readonly head: Buffer
  readonly body: PreparedBody
  readonly bytes: Uint8Array | undefined
  readonly isHead: boolean
  /** May be written behind other requests on a busy connection. */
  readonly pipelined: boolean
  /** May be sent again after a failure before any response byte. */
  readonly replayable: boolean
  readonly origin: OriginCounters
  /** When the first attempt started, on the client's clock. */
  readonly started: number
}

/** The client's choices about retries and pipelining. @internal */
export interface SendOptions {
  readonly pipelining: number
  readonly pipelineNonIdempotent: boolean
  readonly retryNonIdempotent: boolean
  /** Which endpoints speak HTTP/2: none, `https` ones (ALPN h2), or all (h2c for `http`). */
  readonly http2: "never" | "https" | "always"
}

/** RFC 9113 error code HTTP_1_1_REQUIRED. */
const HTTP_1_1_REQUIRED = 0xd

/** The server asked for HTTP/1.1, on a stream or for the whole connection. */
const http11Required = (cause: RequestsError): boolean =>
  (cause._tag === "StreamResetError" || cause._tag === "GoAwayError") && cause.code === HTTP_1_1_REQUIRED

/** A new connection found the origin no longer offering h2: what the router knew is out of date. */
const protocolChanged = (cause: RequestsError): boolean =>
  cause._tag === "ProtocolError" && cause.reason === "AlpnMismatch"

/** RFC 9110 §15.5.20: the connection cannot answer for this origin. */
const MISDIRECTED = 421

/**
 * A stale keep-alive connection shows itself by closing before any byte of
 * the response: the server never saw the request, or dropped it unread.
 */
const worthRetry = (failure: RequestsError, outgoing: Outgoing, attempt: number) =>
  attempt === 0 &&
  outgoing.replayable &&
  failure._tag === "ClosedError" &&
  failure.reused &&
  !failure.responseStarted

/**
 * Sends one request. The returned response's body is read from the
 * connection when the caller asks for it.
 *
 * With a connection at hand and the body in memory, the whole request is
 * one `Effect.async`: write, then resume when the head arrives. Waiting for
 * a connection, dialing, streamed bodies and retries take the longer road.
 *
 * @internal
 */
export const makeSend = (
  pool: H1Pool["Type"],
  h2: H2ConnectionPool["Type"],
  observer: Observer,
  options: SendOptions,
  /** Chooses the protocol of `https` endpoints by ALPN; absent when the protocol is fixed. */
  router?: ProtocolRouter
) => {
  type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
  const listening = observer.listener !== undefined

  /** Records a request that failed for good and makes the platform's error of it. */
  const failed = (
    request: HttpClientRequest.HttpClientRequest,
    endpoint: string,
    protocol: Protocol | undefined,
    origin: OriginCounters | undefined,
    started: number,
    cause: RequestsError
  ): HttpClientError.RequestError => {
    if (origin === undefined) observer.errors++
    else {
      observer.finished(origin, started)
      observer.failed(origin)
    }
    if (listening) observer.emit({ _tag: "Failed", endpoint, protocol, error: cause })
    return transportError(request, cause)
  }

  const failedH1 = (outgoing: Outgoing, cause: RequestsError) =>
    failed(outgoing.request, outgoing.endpoint.key, "http/1.1", outgoing.origin, outgoing.started, cause)

  const retried = (endpoint: Endpoint.Endpoint, protocol: Protocol, reason: RetryReason) => {
    observer.retries++
    if (listening) observer.emit({ _tag: "Retried", endpoint: endpoint.key, protocol, reason })
  }

  /** Events of a request about to be written on an HTTP/1.1 connection. */
  const sending = (outgoing: Outgoing, connection: H1Connection) => {
    const endpoint = outgoing.endpoint.key
    observer.emit({
      _tag: "RequestHeaders",
      endpoint,
      protocol: "http/1.1",
      method: outgoing.request.method,
      target: outgoing.target
    })
    if (connection.uses > 0) observer.emit({ _tag: "Reused", endpoint, protocol: "http/1.1" })
  }

  const responseOf = (
    outgoing: Outgoing,
    connection: H1Connection,
    exchange: Exchange,
    head: ResponseHead
  ): Result => {
    const response = new ClientResponse(outgoing.request, head, exchange, connection.socket.remoteAddress)
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
      outgoing: Outgoing,
      connection: H1Connection,
      exchange: Exchange,
      attempt: number,
      resume: (effect: Result) => void
    ): HeadListener =>
    (head, failure) => {
      // Heads are announced once their chunk is parsed: a body that came along is complete here.
      if (head !== undefined) {
        const elapsedMillis = observer.finished(outgoing.origin, outgoing.started)
        if (listening) {
          observer.emit({
            _tag: "ResponseHeaders",
            endpoint: outgoing.endpoint.key,
            protocol: "http/1.1",
            status: head.status,
            elapsedMillis
          })
        }
        return resume(responseOf(outgoing, connection, exchange, head))
      }
      if (worthRetry(failure!, outgoing, attempt)) {
        retried(outgoing.endpoint, "http/1.1", "StaleConnection")
        outgoing.origin.requests++
        return resume(viaPool(outgoing, attempt + 1))
      }
      resume(Effect.fail(failedH1(outgoing, failure!)))
    }

  const abandonOnInterrupt = (exchange: Exchange) =>
    Effect.sync(() => {
      exchange.unlisten()
      exchange.abandon()
    })

  /** Writes an in-memory request on the connection and waits for its head, in one suspension. */
  const exchangeOn = (
    outgoing: Outgoing,
    connection: H1Connection,
    attempt: number,
    ticket: Ticket | undefined
  ) =>
    Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      ticket?.consume(connection)
      if (listening) sending(outgoing, connection)
      const exchange = connection.send(outgoing.head, outgoing.bytes, outgoing.isHead)
      exchange.listen(onHead(outgoing, connection, exchange, attempt, resume))
      return abandonOnInterrupt(exchange)
    })

  const streamOn = (outgoing: Outgoing, connection: H1Connection, ticket: Ticket, body: StreamBody) =>
    Effect.suspend(() => {
      ticket.consume(connection)
      if (listening) sending(outgoing, connection)
      return Effect.mapError(connection.sendStreaming(outgoing.head, body.stream, body.length), (cause) =>
        failedH1(outgoing, cause)
      )
    }).pipe(
      Effect.flatMap((exchange) =>
        Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
          exchange.listen(onHead(outgoing, connection, exchange, 1, resume))
          return abandonOnInterrupt(exchange)
        })
      )
    )

  /**
   * Waits for (or dials) a connection, then sends. The ticket returns a
   * connection the request was handed but never wrote on, whatever
   * interrupts it in between.
   */
  const viaPool = (outgoing: Outgoing, attempt: number): Result =>
    Effect.suspend(() => {
      const ticket = pool.ticket()
      const acquire =
        attempt === 0
          ? pool.acquire(outgoing.endpoint, outgoing.pipelined, ticket)
          : pool.acquireFresh(outgoing.endpoint, ticket)
      return Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          restore(Effect.mapError(acquire, (cause) => failedH1(outgoing, cause))),
          (connection) =>
            restore(
              outgoing.body._tag === "Stream"
                ? streamOn(outgoing, connection, ticket, outgoing.body)
                : exchangeOn(outgoing, connection, attempt, ticket)
            )
        )
      ).pipe(Effect.ensuring(Effect.sync(() => ticket.settle())))
    })

  /** HTTP/2 carries the request; the pool validates its head before anything is sent. */
  const viaH2 = (
    request: HttpClientRequest.HttpClientRequest,
    endpoint: Endpoint.Endpoint,
    target: string,
    body: PreparedBody,
    /** The router's hint was already renewed for this request. */
    renewed = false
  ): Result => {
    const origin = observer.origin(endpoint.key, "h2")
    origin.requests++
    const started = observer.now()
    if (listening) {
      observer.emit({
        _tag: "RequestHeaders",
        endpoint: endpoint.key,
        protocol: "h2",
        method: request.method,
        target
      })
    }
    const sent = h2.request(endpoint, {
      method: request.method,
      path: target,
      authority: endpoint.authority,
      headers: request.headers,
      body
    })
    return Effect.matchEffect(sent, {
      onSuccess: (response): Result => {
        const elapsedMillis = observer.finished(origin, started)
        const status = response.head.status
        if (status === MISDIRECTED && response.coalesced === true && body._tag !== "Stream") {
          response.body.abandon()
          return misdirected(request, endpoint, target, body)
        }
        if (listening) {
          observer.emit({
            _tag: "ResponseHeaders",
            endpoint: endpoint.key,
            protocol: "h2",
            status,
            elapsedMillis
          })
        }
        return Effect.succeed(
          new ClientResponse(request, response.head, response.body, response.remoteAddress)
        )
      },
      onFailure: (cause) => {
        // The server refused before processing (RFC 9113 §8.7): HTTP/1.1 from now on, and send again.
        if (router !== undefined && body._tag !== "Stream" && http11Required(cause)) {
          retried(endpoint, "h2", "Http11Required")
          return Effect.zipRight(router.remember(endpoint, "h1"), viaH1(request, endpoint, target, body))
        }
        // Nothing was sent: whatever the method, ask the origin again and go where it says.
        if (router !== undefined && !renewed && protocolChanged(cause)) {
          retried(endpoint, "h2", "ProtocolChanged")
          return Effect.zipRight(router.forget(endpoint), route(request, endpoint, target, body, true))
        }
        return Effect.fail(failed(request, endpoint.key, "h2", origin, started, cause))
      }
    })
  }

  /** A 421 on a shared connection: the origin gets a connection of its own, and the request goes again. */
  const misdirected = (
    request: HttpClientRequest.HttpClientRequest,
    endpoint: Endpoint.Endpoint,
    target: string,
    body: PreparedBody
  ): Result => {
    retried(endpoint, "h2", "Misdirected")
    const forget = router === undefined ? Effect.void : router.forget(endpoint)
    return Effect.zipRight(
      Effect.zipRight(h2.misdirected(endpoint), forget),
      route(request, endpoint, target, body)
    )
  }

  /** HTTP/1.1 carries the request: its head is serialized (and validated) here, before any byte is sent. */
  const viaH1 = (
    request: HttpClientRequest.HttpClientRequest,
    endpoint: Endpoint.Endpoint,
    target: string,
    body: PreparedBody
  ): Result => {
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
      return invalid(
        request,
        "Encode",
        new InvalidRequestError({
          reason: head.reason === "InvalidTarget" ? "InvalidUrl" : head.reason,
          detail: head.detail
        })
      )
    }
    const inMemory = body._tag !== "Stream"
    const safe = idempotent(method)
    const origin = observer.origin(endpoint.key, "http/1.1")
    origin.requests++
    const outgoing: Outgoing = {
      request,
      endpoint,
      target,
      head,
      body,
      bytes: body._tag === "Bytes" ? body.bytes : undefined,
      isHead: method === "HEAD",
      pipelined: inMemory && options.pipelining > 1 && (safe || options.pipelineNonIdempotent),
      replayable: inMemory && (safe || options.retryNonIdempotent),
      origin,
      started: observer.now()
    }
    if (!inMemory) return viaPool(outgoing, 0)
    // The common case, folded into one suspension: a connection at hand, a body in memory.
    return Effect.async((resume) => {
      const connection = pool.tryAcquire(endpoint, outgoing.pipelined)
      if (connection === undefined) return resume(viaPool(outgoing, 0))
      if (listening) sending(outgoing, connection)
      const exchange = connection.send(head, outgoing.bytes, outgoing.isHead)
      exchange.listen(onHead(outgoing, connection, exchange, 0, resume))
      return abandonOnInterrupt(exchange)
    })
  }

  /** Picks the protocol: fixed by the options, or the router's choice for `https` endpoints. */
  const route = (
    request: HttpClientRequest.HttpClientRequest,
    endpoint: Endpoint.Endpoint,
    target: string,
    body: PreparedBody,
    renewed = false
  ): Result => {
    if (options.http2 === "always" || (options.http2 === "https" && endpoint.scheme === "https")) {
      return viaH2(request, endpoint, target, body)
    }
    if (router !== undefined && endpoint.scheme === "https") {
      return Effect.flatMap(
        Effect.mapError(router.protocolFor(endpoint), (cause) =>
          failed(request, endpoint.key, undefined, undefined, 0, cause)
        ),
        (protocol) =>
          protocol === "h1"
            ? viaH1(request, endpoint, target, body)
            : viaH2(request, endpoint, target, body, renewed)
      )
    }
    return viaH1(request, endpoint, target, body)
  }

  const invalid = (
    request: HttpClientRequest.HttpClientRequest,
    reason: "Encode" | "InvalidUrl",
    cause: unknown
  ) => {
    observer.errors++
    return fail(request, reason, cause)
  }

  return (request: HttpClientRequest.HttpClientRequest): Result => {
    observer.requestsMade++
    const parsed = targetOf(request)
    if (Either.isLeft(parsed)) return invalid(request, "InvalidUrl", parsed.left)
    const { endpoint, target } = parsed.right
    const body = prepareBody(request.body)
    if (body instanceof InvalidRequestError) return invalid(request, "Encode", body)
    return route(request, endpoint, target, body)
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
