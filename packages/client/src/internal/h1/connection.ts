/**
 * An HTTP/1.1 connection: a socket, a response parser, and the exchanges in
 * flight on it, answered in the order they were written. It drives the
 * sans-IO codec from socket events and knows whether it can carry more.
 *
 * @internal
 */
import type * as net from "node:net"
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { Endpoint } from "../../Endpoint.js"
import { ClosedError, LimitExceededError, ProtocolError, type RequestsError } from "../../Errors.js"
import type { StallOverride } from "../limits/settings.js"
import { PendingResponse, type PendingResponseOwner } from "./pending-response.js"
import { parseKeepAlive } from "./keep-alive.js"
import { writeStreamed } from "./upload.js"
import {
  type ParseError,
  type ParserLimits,
  type ResponseHandler,
  type ResponseHead,
  ResponseParser
} from "./response-parser.js"

/** What a connection tells the pool that owns it. */
export interface ConnectionOwner {
  /** An exchange completed and the connection can carry more. */
  release(connection: H1Connection): void
  /** The connection is gone; the owner drops it and closes its scope. */
  closed(connection: H1Connection, failed: boolean): void
  /** A response said the server will not answer what was pipelined behind it. */
  pipelineRefused(connection: H1Connection): void
}

/** @internal */
export interface ConnectionOptions {
  readonly parserLimits: ParserLimits
  /** Response bytes buffered for a slow reader before the socket is paused. */
  readonly highWaterMark: number
}

/** A body small enough to copy next to the head and leave in one write. */
const COALESCE_LIMIT = 16 * 1024

/** @internal */
export class H1Connection implements ResponseHandler, PendingResponseOwner {
  /** Exchanges completed on this connection. */
  uses = 0
  closed = false
  /** The server said it will close after the current response: nothing more may be written. */
  draining = false
  /** The pool retired it (lifetime, uses): what is in flight finishes, nothing new is written. */
  retiring = false
  /** Clock time when the connection was made, and when it last went idle, in ms. */
  createdAt = 0
  idleSince = 0
  /** The server's `Keep-Alive: timeout` in ms, if it sent one. */
  keepAliveTimeout: number | undefined = undefined
  /** The server's `Keep-Alive: max`: requests it still accepts, if it said. */
  remainingUses: number | undefined = undefined
  /** Handed to a waiting request that has not written yet. */
  reserved = 0
  /** Something was written or heard since the pool last looked: a field write, no clock read. */
  heard = false
  /** Clock time, in ms, the pool last saw progress at. */
  lastHeard = 0
  private readonly parser: ResponseParser
  /** Written and not yet fully answered, oldest first. */
  private readonly inflight: Array<PendingResponse> = []
  /** The exchange whose request body is still being streamed; nothing may be written behind it. */
  private streaming: PendingResponse | undefined = undefined

  constructor(
    readonly endpoint: Endpoint,
    readonly socket: net.Socket,
    private readonly owner: ConnectionOwner,
    private readonly options: ConnectionOptions,
    /** A socket the user handed in is never closed by the client, only let go. */
    readonly ownsSocket = true
  ) {
    this.parser = new ResponseParser(this, options.parserLimits)
    socket.on("data", this.onData)
    socket.on("end", this.onEnd)
    socket.on("error", this.onError)
    socket.on("close", this.onClose)
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress
  }

  /** Exchanges written and not yet answered, plus those promised to waiting requests. */
  get load(): number {
    return this.inflight.length + this.reserved
  }

  /** The oldest exchange not yet answered in full. */
  get oldest(): PendingResponse | undefined {
    return this.inflight[0]
  }

  /** A streamed request body is still being sent. */
  get uploading(): boolean {
    return this.streaming !== undefined
  }

  /** Open and accepting more requests. */
  get writable(): boolean {
    return (
      !this.closed &&
      !this.draining &&
      !this.retiring &&
      this.streaming === undefined &&
      !this.socket.destroyed
    )
  }

  // --- requests -------------------------------------------------------------

  /** Writes a request whose body is already in memory. */
  send(
    head: Buffer,
    body: Uint8Array | undefined,
    isHead: boolean,
    stall: StallOverride | undefined
  ): PendingResponse {
    if (this.closed) return this.unsent(isHead)
    const exchange = this.begin(isHead, stall)
    const socket = this.socket
    if (body === undefined || body.byteLength === 0) {
      socket.write(head)
    } else if (body.byteLength <= COALESCE_LIMIT) {
      const out = Buffer.allocUnsafe(head.byteLength + body.byteLength)
      head.copy(out, 0)
      out.set(body, head.byteLength)
      socket.write(out)
    } else {
      socket.cork()
      socket.write(head)
      socket.write(body)
      socket.uncork()
    }
    return exchange
  }

  /**
   * Writes a request whose body is a stream, honouring the socket's
   * backpressure (see `upload.ts`). `length` is the declared Content-Length,
   * or `undefined` for chunked encoding. Nothing is pipelined behind a
   * streamed body.
   */
  sendStreaming<E>(
    head: Buffer,
    body: Stream.Stream<Uint8Array, E>,
    length: number | undefined,
    stall: StallOverride | undefined
  ): Effect.Effect<PendingResponse, RequestsError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(this.unsentError())
      const exchange = this.begin(false, stall)
      this.streaming = exchange
      this.socket.write(head)
      // The upload gives way to an answer that settles the exchange first: the caller hears it at once.
      return Effect.as(
        Effect.raceFirst(writeStreamed(this, exchange, body, length), exchange.awaitSettled()),
        exchange
      )
    })
  }

  /** The streamed request body is all written: requests may follow it again. */
  uploaded(): void {
    this.streaming = undefined
  }

  /**
   * An exchange that failed before a byte was written: a request handed this
   * connection resumes a turn after the pool chose it, and the connection
   * may have closed meanwhile, its events long gone.
   */
  private unsent(isHead: boolean): PendingResponse {
    const exchange = new PendingResponse(this, isHead, this.options.highWaterMark, this.uses > 0)
    exchange.fail(this.unsentError())
    return exchange
  }

  private unsentError(): ClosedError {
    return new ClosedError({
      endpoint: this.endpoint.key,
      protocol: "http/1.1",
      phase: "request",
      reused: this.uses > 0,
      responseStarted: false,
      cause: new Error("connection closed before the request was written")
    })
  }

  private begin(isHead: boolean, stall: StallOverride | undefined): PendingResponse {
    const exchange = new PendingResponse(
      this,
      isHead,
      this.options.highWaterMark,
      this.uses > 0 || this.inflight.length > 0,
      stall
    )
    this.inflight.push(exchange)
    this.parser.expect(isHead)
    this.heard = true
    return exchange
  }

  // --- parser events ----------------------------------------------------------

  onInformational(): void {
    // 100 Continue and friends carry nothing we act on: we never send Expect.
  }

  onHead(head: ResponseHead): void {
    if (head.status === 101) {
      // We never ask to upgrade: what follows is not HTTP/1.1 and the exchange cannot complete.
      return this.failProtocol({
        reason: "UnsolicitedUpgrade",
        detail: "101 Switching Protocols to a request without Upgrade"
      })
    }
    const hint = head.headers["keep-alive"]
    if (hint !== undefined) {
      const parsed = parseKeepAlive(hint)
      if (parsed.timeout !== undefined) this.keepAliveTimeout = parsed.timeout
      if (parsed.max !== undefined) this.remainingUses = parsed.max
    }
    if (!head.keepAlive) this.draining = true
    this.inflight[0]?.setHead(head)
  }

  onBody(chunk: Uint8Array): void {
    if (this.inflight[0]?.pushBody(chunk) === true) this.socket.pause()
  }

  onComplete(): void {
    const exchange = this.inflight.shift()
    if (exchange === undefined) return
    this.uses++
    if (this.remainingUses !== undefined) this.remainingUses--
    exchange.complete()
    if (exchange === this.streaming) {
      // Answered before its body was fully sent: the rest can no longer be framed.
      this.streaming = undefined
      return this.destroy()
    }
    if (this.socket.writableLength > 0) {
      // Answered early (a 413, say) while request bytes still wait in the
      // socket: the server stopped reading them, and a request written
      // behind them would hang. Only a fully flushed body leaves it reusable.
      return this.destroy()
    }
    if (this.draining) {
      if (this.inflight.length > 0) {
        this.owner.pipelineRefused(this)
        this.failUnanswered(undefined)
      }
      return this.destroy()
    }
    if (this.socket.isPaused()) this.socket.resume()
    this.owner.release(this)
  }

  // --- socket events ----------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    this.heard = true
    const exchange = this.inflight[0]
    if (exchange !== undefined) exchange.responseStarted = true
    const error = this.parser.feed(chunk)
    if (error !== undefined) this.failProtocol(error)
    else this.inflight[0]?.announce()
  }

  private readonly onEnd = (): void => {
    const error = this.parser.finish()
    if (error !== undefined && error.reason !== "TruncatedBody" && error.reason !== "TruncatedHead") {
      this.failProtocol(error)
    } else {
      this.failClosed(undefined)
    }
  }

  private readonly onError = (cause: Error): void => {
    this.failClosed(cause)
  }

  private readonly onClose = (): void => {
    this.failClosed(undefined)
  }

  private failProtocol(
    error: ParseError | { readonly reason: "UnsolicitedUpgrade"; readonly detail: string }
  ): void {
    const exchange = this.inflight.shift()
    const phase = exchange?.head === undefined ? "headers" : "body"
    exchange?.fail(
      error.reason === "TooManyInterimResponses"
        ? new LimitExceededError({
            endpoint: this.endpoint.key,
            protocol: "http/1.1",
            phase,
            limit: "maxInterimResponses",
            value: this.options.parserLimits.maxInterimResponses ?? 16,
            detail: error.detail
          })
        : new ProtocolError({
            endpoint: this.endpoint.key,
            protocol: "http/1.1",
            phase,
            reason: error.reason,
            detail: error.detail
          })
    )
    this.failUnanswered(error)
    this.destroy(true)
  }

  private failClosed(cause: unknown): void {
    if (this.closed && this.inflight.length === 0) return
    if (this.inflight.length > 1) this.owner.pipelineRefused(this)
    this.failUnanswered(cause)
    this.destroy(cause !== undefined)
  }

  /**
   * Every exchange still waiting learns the connection is gone; those behind
   * the first never got a byte. The one whose body was still being written
   * (the last begun) lost it in phase `request`.
   */
  private failUnanswered(cause: unknown): void {
    const writing = this.uploading ? this.inflight[this.inflight.length - 1] : undefined
    for (const exchange of this.inflight.splice(0)) {
      if (exchange.settled) continue
      exchange.fail(
        new ClosedError({
          endpoint: this.endpoint.key,
          protocol: "http/1.1",
          phase: exchange.head !== undefined ? "body" : exchange === writing ? "request" : "headers",
          reused: exchange.reused,
          responseStarted: exchange.responseStarted,
          cause
        })
      )
    }
  }

  // --- PendingResponseOwner ----------------------------------------------------------

  abandon(exchange: PendingResponse): void {
    if (!exchange.done && this.inflight.includes(exchange)) this.destroy()
  }

  resumeReading(): void {
    if (this.socket.isPaused()) this.socket.resume()
  }

  /** Closes the connection now, failing every exchange still in flight with `error`. */
  terminate(error: RequestsError): void {
    for (const exchange of this.inflight.splice(0)) exchange.fail(error)
    this.destroy()
  }

  /**
   * Closes the connection now; exchanges in flight are left to their
   * failure. A socket the user handed in is let go, not closed.
   */
  destroy(failed = false): void {
    if (this.closed) return
    this.closed = true
    this.failUnanswered(undefined)
    if (this.ownsSocket) {
      this.socket.destroy()
    } else {
      this.socket.off("data", this.onData)
      this.socket.off("end", this.onEnd)
      this.socket.off("error", this.onError)
      this.socket.off("close", this.onClose)
      if (this.socket.isPaused()) this.socket.resume()
    }
    this.owner.closed(this, failed)
  }
}
