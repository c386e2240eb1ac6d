/**
 * An HTTP/1.1 connection: a socket, a response parser, and the exchange in
 * flight. It drives the sans-IO codec from socket events and knows whether
 * it can carry another exchange.
 *
 * @internal
 */
import type * as net from "node:net"
import { Effect, Stream } from "effect"
import type { Endpoint } from "../endpoint.js"
import {
  ClosedError,
  InvalidRequestError,
  ProtocolError,
  RequestBodyError,
  type RequestsError
} from "../errors.js"
import { Exchange, type ExchangeOwner } from "./exchange.js"
import { chunkHeader, CRLF, LAST_CHUNK } from "./request-serializer.js"
import {
  type ParseError,
  type ParserLimits,
  type ResponseHandler,
  type ResponseHead,
  ResponseParser
} from "./response-parser.js"

/** What a connection tells the pool that owns it. */
export interface ConnectionOwner {
  /** The exchange completed and the connection may carry another. */
  release(connection: H1Connection): void
  /** The connection is gone; the owner drops it and closes its scope. */
  closed(connection: H1Connection): void
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
export class H1Connection implements ResponseHandler, ExchangeOwner {
  /** Exchanges completed on this connection. */
  uses = 0
  closed = false
  private readonly parser: ResponseParser
  private current: Exchange | undefined = undefined
  private keepAlive = false
  /** Whether the whole request has been written; reuse before that would interleave bodies. */
  private requestWritten = false

  constructor(
    readonly endpoint: Endpoint,
    readonly socket: net.Socket,
    private readonly owner: ConnectionOwner,
    private readonly options: ConnectionOptions
  ) {
    this.parser = new ResponseParser(this, options.parserLimits)
    socket.on("data", this.onData)
    socket.on("end", this.onEnd)
    socket.on("error", this.onError)
    socket.on("close", this.onClose)
  }

  /** Idle, open, and with nothing unread: safe to hand to the next request. */
  get reusable(): boolean {
    return !this.closed && this.current === undefined && !this.socket.destroyed && this.socket.readable
  }

  // --- requests -------------------------------------------------------------

  /** Writes a request whose body is already in memory. */
  send(head: Buffer, body: Uint8Array | undefined, isHead: boolean): Exchange {
    const exchange = this.begin(isHead)
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
    this.requestWritten = true
    return exchange
  }

  /**
   * Writes a request whose body is a stream, honouring the socket's
   * backpressure. `length` is the declared Content-Length, or `undefined`
   * for chunked encoding.
   */
  sendStreaming<E>(
    head: Buffer,
    body: Stream.Stream<Uint8Array, E>,
    length: number | undefined
  ): Effect.Effect<Exchange, RequestsError> {
    return Effect.suspend(() => {
      const exchange = this.begin(false)
      this.socket.write(head)
      let written = 0
      const writeChunk = (chunk: Uint8Array): Effect.Effect<void, RequestsError> => {
        if (exchange.settled) return Effect.void
        written += chunk.byteLength
        if (length !== undefined && written > length)
          return Effect.fail(this.bodyLengthMismatch(length, written))
        if (chunk.byteLength === 0) return Effect.void
        let flushed: boolean
        if (length === undefined) {
          this.socket.cork()
          this.socket.write(chunkHeader(chunk.byteLength))
          this.socket.write(chunk)
          flushed = this.socket.write(CRLF)
          this.socket.uncork()
        } else {
          flushed = this.socket.write(chunk)
        }
        return flushed ? Effect.void : this.drained(exchange)
      }
      return Stream.runForEach(
        Stream.mapError(body, (cause) => new RequestBodyError({ endpoint: this.endpoint.key, cause })),
        writeChunk
      ).pipe(
        Effect.flatMap(() => {
          if (exchange.settled) return Effect.void
          if (length !== undefined && written !== length)
            return Effect.fail(this.bodyLengthMismatch(length, written))
          if (length === undefined) this.socket.write(LAST_CHUNK)
          this.requestWritten = true
          return Effect.void
        }),
        Effect.tapError(() => Effect.sync(() => this.abandon(exchange))),
        // The request fiber gave up mid-upload: the server would wait for the rest forever.
        Effect.onInterrupt(() => Effect.sync(() => this.abandon(exchange))),
        Effect.as(exchange)
      )
    })
  }

  private begin(isHead: boolean): Exchange {
    const exchange = new Exchange(this, isHead, this.options.highWaterMark)
    this.current = exchange
    this.requestWritten = false
    this.keepAlive = false
    this.parser.expect(isHead)
    return exchange
  }

  private bodyLengthMismatch(declared: number, written: number): InvalidRequestError {
    return new InvalidRequestError({
      reason: "InvalidBody",
      detail: `body stream produced ${written} bytes, Content-Length declared ${declared}`
    })
  }

  private drained(exchange: Exchange): Effect.Effect<void, RequestsError> {
    return Effect.async<void, RequestsError>((resume) => {
      const onDrain = () => {
        this.socket.off("close", onClose)
        resume(Effect.void)
      }
      const onClose = () => {
        this.socket.off("drain", onDrain)
        // A response may already have settled the exchange; the failure, if any, is reported there.
        resume(exchange.failure ? Effect.fail(exchange.failure) : Effect.void)
      }
      this.socket.once("drain", onDrain)
      this.socket.once("close", onClose)
      return Effect.sync(() => {
        this.socket.off("drain", onDrain)
        this.socket.off("close", onClose)
      })
    })
  }

  // --- parser events ----------------------------------------------------------

  onInformational(): void {
    // 100 Continue and friends carry nothing we act on: we never send Expect.
  }

  onHead(head: ResponseHead): void {
    this.keepAlive = head.keepAlive
    this.current?.setHead(head)
  }

  onBody(chunk: Uint8Array): void {
    if (this.current?.pushBody(chunk) === true) this.socket.pause()
  }

  onComplete(): void {
    const exchange = this.current
    if (exchange === undefined) return
    this.current = undefined
    this.uses++
    exchange.complete()
    if (this.keepAlive && this.requestWritten && !this.closed) {
      if (this.socket.isPaused()) this.socket.resume()
      this.owner.release(this)
    } else {
      this.destroy()
    }
  }

  // --- socket events ----------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    const exchange = this.current
    if (exchange !== undefined) exchange.responseStarted = true
    const error = this.parser.feed(chunk)
    if (error !== undefined) this.failProtocol(error)
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

  private failProtocol(error: ParseError): void {
    const exchange = this.current
    exchange?.fail(
      new ProtocolError({
        endpoint: this.endpoint.key,
        protocol: "http/1.1",
        phase: exchange.head === undefined ? "headers" : "body",
        reason: error.reason,
        detail: error.detail
      })
    )
    this.destroy()
  }

  private failClosed(cause: unknown): void {
    const exchange = this.current
    if (exchange !== undefined && !exchange.settled) {
      exchange.fail(
        new ClosedError({
          endpoint: this.endpoint.key,
          protocol: "http/1.1",
          phase: exchange.head === undefined ? "headers" : "body",
          reused: this.uses > 0,
          responseStarted: exchange.responseStarted,
          cause
        })
      )
    }
    this.destroy()
  }

  // --- ExchangeOwner ----------------------------------------------------------

  abandon(exchange: Exchange): void {
    if (exchange === this.current && !exchange.done) this.destroy()
  }

  resumeReading(): void {
    if (this.socket.isPaused()) this.socket.resume()
  }

  /** Closes the connection now; an exchange in flight is left to its failure. */
  destroy(): void {
    if (this.closed) return
    this.closed = true
    this.socket.destroy()
    this.owner.closed(this)
  }
}
