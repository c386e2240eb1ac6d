/**
 * The HTTP/1.1 road of an exchange: frame the request, find a connection,
 * write, and wait for the response head.
 *
 * With a connection at hand and the body in memory, the whole exchange is
 * one `Effect.async`: write, then resume when the head arrives. Waiting for
 * a connection, dialing and streamed bodies take the longer road. Whether a
 * failed exchange is sent again is not decided here but by the retry policy
 * above the pools; an exchange re-sent after a stale connection asks for a
 * connection that cannot be stale.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { InvalidRequestError, type RequestsError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import { expectsBody, isIdempotent, type PreparedBody } from "../exchange/request-body.js"
import type { Observer } from "../observe/observer.js"
import type { H1Connection } from "./connection.js"
import type { H1Connections } from "./pool.js"
import { isSerializeError, type RequestFraming, serializeHead } from "./request-serializer.js"
import type { Ticket } from "./ticket.js"

type StreamBody = Extract<PreparedBody, { readonly _tag: "Stream" }>
type Result = Effect.Effect<ExchangeResponse, RequestsError>
type Resume = (effect: Result) => void

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

/** An exchange framed for HTTP/1.1. */
interface Framed {
  readonly exchange: Exchange
  readonly head: Buffer
  readonly bytes: Uint8Array | undefined
  readonly isHead: boolean
  /** May be written behind other requests on a busy connection. */
  readonly pipelined: boolean
}

/** The HTTP/1.1 options the road needs. @internal */
export interface SendOptions {
  readonly pipelining: number
  readonly pipelineNonIdempotent: boolean
}

const frame = (exchange: Exchange, options: SendOptions): Framed | InvalidRequestError => {
  const { method, body } = exchange
  const head = serializeHead(
    method,
    exchange.target,
    exchange.endpoint.authority,
    exchange.headers,
    framingOf(method, body),
    body._tag === "Empty" ? undefined : body.contentType
  )
  if (isSerializeError(head)) {
    return new InvalidRequestError({
      reason: head.reason === "InvalidTarget" ? "InvalidUrl" : head.reason,
      detail: head.detail
    })
  }
  return {
    exchange,
    head,
    bytes: body._tag === "Bytes" ? body.bytes : undefined,
    isHead: method === "HEAD",
    pipelined:
      body._tag !== "Stream" &&
      options.pipelining > 1 &&
      (options.pipelineNonIdempotent || isIdempotent(method))
  }
}

/**
 * Builds the exchange function of the HTTP/1.1 pool over its connections.
 *
 * @internal
 */
export const makeSend = (connections: H1Connections, observer: Observer, options: SendOptions) => {
  const listening = observer.listener !== undefined

  /** Events of a request about to be written on a connection. */
  const sending = (framed: Framed, connection: H1Connection) => {
    const endpoint = framed.exchange.endpoint.key
    observer.emit({
      _tag: "RequestHeaders",
      endpoint,
      protocol: "http/1.1",
      method: framed.exchange.method,
      target: framed.exchange.target
    })
    if (connection.uses > 0) observer.emit({ _tag: "Reused", endpoint, protocol: "http/1.1" })
  }

  /** Writes an in-memory request on the connection; `resume` hears of its head. */
  const writeOn = (framed: Framed, connection: H1Connection, resume: Resume) => {
    if (listening) sending(framed, connection)
    const pending = connection.send(framed.head, framed.bytes, framed.isHead, framed.exchange.stall)
    pending.listen(resume)
    return pending.cancel
  }

  const exchangeOn = (framed: Framed, connection: H1Connection, ticket: Ticket): Result =>
    Effect.async((resume) => {
      ticket.consume(connection)
      return writeOn(framed, connection, resume)
    })

  const streamOn = (framed: Framed, connection: H1Connection, ticket: Ticket, body: StreamBody): Result =>
    Effect.suspend(() => {
      ticket.consume(connection)
      if (listening) sending(framed, connection)
      return connection.sendStreaming(framed.head, body.stream, body.length, framed.exchange.stall)
    }).pipe(
      Effect.flatMap((pending) =>
        Effect.async<ExchangeResponse, RequestsError>((resume) => {
          pending.listen(resume)
          return pending.cancel
        })
      )
    )

  /**
   * Waits for (or dials) a connection, then sends. The ticket returns a
   * connection the request was handed but never wrote on, whatever
   * interrupts it in between.
   */
  const viaQueue = (framed: Framed, fresh: boolean): Result =>
    Effect.suspend(() => {
      const ticket = connections.ticket()
      const endpoint = framed.exchange.endpoint
      const acquire = fresh
        ? connections.acquireFresh(endpoint, ticket)
        : connections.acquire(endpoint, framed.pipelined, ticket)
      const body = framed.exchange.body
      return Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(acquire), (connection) =>
          restore(
            body._tag === "Stream"
              ? streamOn(framed, connection, ticket, body)
              : exchangeOn(framed, connection, ticket)
          )
        )
      ).pipe(Effect.ensuring(Effect.sync(() => ticket.settle())))
    })

  return (exchange: Exchange): Result => {
    const framed = frame(exchange, options)
    if (framed instanceof InvalidRequestError) return Effect.fail(framed)
    if (exchange.stall !== undefined) connections.round.note(exchange.stall)
    // A re-send after a stale connection must not land on another stale one.
    if (exchange.retry === "StaleConnection") return viaQueue(framed, true)
    if (exchange.body._tag === "Stream") return viaQueue(framed, false)
    // The common case, folded into one suspension: a connection at hand, a body in memory.
    return Effect.async((resume) => {
      const connection = connections.tryAcquire(exchange.endpoint, framed.pipelined)
      if (connection === undefined) return resume(viaQueue(framed, false))
      return writeOn(framed, connection, resume)
    })
  }
}
