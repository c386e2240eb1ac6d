/**
 * One request/response exchange on an HTTP/2 stream, seen from the caller's
 * side: the request body it writes, the head it waits for and the body it
 * reads.
 *
 * Node's `Http2Stream` pushes into it from its events; the caller pulls from
 * it through Effects. The listeners are shared module-level functions that
 * find their exchange through a symbol on the node stream, so opening a
 * stream allocates no closure for them.
 *
 * @internal
 */
import type * as http2 from "node:http2"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import { joinChunks } from "../exchange/chunks.js"
import type { StallOverride } from "../limits/settings.js"
import type { ResponseBody, ResponseHead } from "../exchange/exchange.js"
import {
  ClosedError,
  GoAwayError,
  LimitExceededError,
  TimeoutError,
  type Phase,
  type RequestsError,
  StreamResetError
} from "../../Errors.js"
import { CANCEL, codeName, NO_ERROR, REFUSED_STREAM } from "./codes.js"
import { lastHeadSize, toHead } from "./response-head.js"
import type { H2Counters } from "./stats.js"
import { writeBody } from "./upload.js"

/** What an exchange needs from the connection that carries it. */
export interface StreamHost {
  /** `scheme://host:port`, for errors. */
  readonly endpointKey: string
  /** Interim (1xx) responses a stream accepts before its final one. */
  readonly maxInterimResponses: number
  /** Largest response header list a stream accepts, as HTTP/2 counts it. */
  readonly maxHeaderListSize: number
  readonly counters: H2Counters
  /** Highest stream id a GOAWAY said the server may process; `Infinity` before any GOAWAY. */
  readonly goawayLastStreamId: number
  readonly goawayCode: number
  /** Whether the session is gone, so a stream closing now closes because of it. */
  readonly sessionGone: boolean
  /** A frame arrived for this connection. */
  markHeard(): void
  /** Data arrived; cheaper than `markHeard`, read by the health check. */
  heard: boolean
  /** The stream no longer occupies a slot. */
  streamEnded(stream: H2Stream): void
  /** A stream saw the session die before the connection did: fail everything now. */
  sessionLost(cause?: unknown): void
}

const kExchange = Symbol("effect-requests/h2/exchange")

interface OwnedStream extends http2.ClientHttp2Stream {
  [kExchange]: H2Stream
}

type Resume<A> = (effect: Effect.Effect<A, RequestsError>) => void

function onResponse(
  this: OwnedStream,
  headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader
): void {
  const head = toHead(headers)
  const exchange = this[kExchange]
  const size = lastHeadSize()
  if (size > exchange.maxHeaderListSize) exchange.headTooLarge(size)
  else exchange.setHead(head)
}

function onInterim(this: OwnedStream): void {
  this[kExchange].interim()
}

function onData(this: OwnedStream, chunk: Buffer): void {
  this[kExchange].pushBody(chunk)
}

function onEnd(this: OwnedStream): void {
  this[kExchange].complete()
}

function onError(this: OwnedStream, error: Error): void {
  // The code that matters arrives as `rstCode` with 'close'; the error is kept as the cause.
  this[kExchange].lastError = error
}

function onReady(this: OwnedStream): void {
  this[kExchange].id = this.id ?? 0
}

function onClose(this: OwnedStream): void {
  this[kExchange].closed(this.rstCode)
}

/** @internal */
export class H2Stream implements ResponseBody {
  /** Stream id; `0` until node assigns one. */
  id = 0
  head: ResponseHead | undefined = undefined
  done = false
  failure: RequestsError | undefined = undefined
  lastError: Error | undefined = undefined
  private stream: http2.ClientHttp2Stream | undefined = undefined
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private paused = false
  private released = false
  /** The request body is being written. */
  writing = false
  /** While the whole body is being collected, backpressure would only stall it. */
  private collecting = false
  /** Most bytes the collecting reader accepts. */
  private limit = Number.POSITIVE_INFINITY
  /** Body bytes received, to hold against the declared content-length. */
  private received = 0
  /** Interim (1xx) responses seen. */
  private interims = 0
  /** Progress since the connection last looked: a field write, no clock read. */
  heard = true
  /** Clock time, in ms, the connection last saw progress at. */
  lastHeard = 0
  private headWaiter: Resume<ResponseHead> | undefined = undefined
  /** The fiber writing a streamed request body while the response is read (full duplex). */
  private writer: Fiber.RuntimeFiber<void, RequestsError> | undefined = undefined
  private bodyWaiter: (() => void) | undefined = undefined

  constructor(
    private readonly host: StreamHost,
    private readonly highWaterMark: number,
    /** Whether the connection had carried an earlier stream. */
    private readonly reused: boolean,
    /** A response to HEAD declares a content-length it never sends. */
    private readonly isHead = false,
    /** The request's own `headersTimeout` and `bodyTimeout`, if it set them. */
    private readonly stall: StallOverride | undefined = undefined
  ) {}

  /** Takes over a node stream just returned by `session.request`. */
  attach(stream: http2.ClientHttp2Stream): void {
    const owned = stream as OwnedStream
    owned[kExchange] = this
    this.stream = stream
    this.id = stream.id ?? 0
    // A session still connecting assigns the id later.
    if (stream.id === undefined) stream.once("ready", onReady)
    stream.on("response", onResponse)
    stream.on("headers", onInterim)
    stream.on("data", onData)
    stream.on("end", onEnd)
    stream.on("error", onError)
    stream.on("close", onClose)
  }

  get phase(): Phase {
    return this.writing ? "request" : this.head === undefined ? "headers" : "body"
  }

  /** True once the body has been fully received or has failed. */
  get settled(): boolean {
    return this.done || this.failure !== undefined
  }

  // --- pushed by node and the connection --------------------------------------

  setHead(head: ResponseHead): void {
    this.head = head
    this.heard = true
    this.host.markHeard()
    const waiter = this.headWaiter
    if (waiter !== undefined) {
      this.headWaiter = undefined
      waiter(Effect.succeed(head))
    }
  }

  get maxHeaderListSize(): number {
    return this.host.maxHeaderListSize
  }

  /** The head is over `maxHeaderListSize`: the stream is refused with CANCEL. */
  headTooLarge(size: number): void {
    this.host.markHeard()
    this.fail(
      new LimitExceededError({
        endpoint: this.host.endpointKey,
        protocol: "h2",
        phase: "headers",
        limit: "maxHeaderListSize",
        value: this.host.maxHeaderListSize,
        detail: `response header list of ${size} bytes`
      })
    )
    this.cancel()
  }

  /** A 1xx block arrived; a server that never stops sending them is cut off. */
  interim(): void {
    this.host.markHeard()
    if (++this.interims <= this.host.maxInterimResponses || this.settled) return
    this.fail(
      new LimitExceededError({
        endpoint: this.host.endpointKey,
        protocol: "h2",
        phase: "headers",
        limit: "maxInterimResponses",
        value: this.host.maxInterimResponses,
        detail: `more than ${this.host.maxInterimResponses} interim responses`
      })
    )
    this.cancel()
  }

  pushBody(chunk: Uint8Array): void {
    this.host.heard = true
    this.heard = true
    this.chunks.push(chunk)
    this.buffered += chunk.byteLength
    this.received += chunk.byteLength
    if (this.collecting) {
      if (this.buffered > this.limit) this.overLimit()
      return
    }
    this.wakeBody()
    if (this.buffered > this.highWaterMark && !this.paused) {
      // Node stops consuming the stream's window while it is paused, so the
      // server stops sending once the window is used up.
      this.paused = true
      this.stream?.pause()
    }
  }

  complete(): void {
    if (this.settled) return
    this.host.markHeard()
    if (this.head === undefined) {
      // A reset before the head also ends node's stream: report the reset, not a close.
      const stream = this.stream
      if (stream !== undefined && stream.closed && !this.host.sessionGone) {
        this.fail(this.resetError(stream.rstCode ?? NO_ERROR))
        return
      }
      // END_STREAM without a final response head is malformed (RFC 9113 §8.1).
      this.fail(this.closedError(new Error("stream ended without a response head")))
      return
    }
    const truncated = this.truncation()
    if (truncated !== undefined) {
      this.fail(truncated)
      return
    }
    this.done = true
    // With our side finished too the stream is closed in protocol terms:
    // the slot is free now, before the reader hears of the end.
    if (this.stream?.writableFinished === true) this.release()
    this.wakeBody()
  }

  /**
   * Why a body that node reports ended is not complete, if it is not. Node
   * also emits 'end' for a stream a reset or a torn-down session closed
   * before END_STREAM: then the stream is already closed with its code when
   * 'end' fires. RST_STREAM(NO_ERROR) cannot be told apart that way (a
   * server may send it right after END_STREAM, to stop an upload), so the
   * bytes received must also add up to the declared content-length.
   */
  private truncation(): RequestsError | undefined {
    const stream = this.stream
    const head = this.head!
    if (stream !== undefined && stream.closed) {
      if (this.host.sessionGone) return this.closedError(new Error("session closed before END_STREAM"))
      if ((stream.rstCode ?? NO_ERROR) !== NO_ERROR) return this.resetError(stream.rstCode)
    }
    const declared = head.headers["content-length"]
    if (declared === undefined || head.status === 204 || head.status === 304 || this.isHead) return undefined
    const length = Number(declared)
    if (Number.isSafeInteger(length) && length !== this.received) {
      const code = stream?.rstCode ?? NO_ERROR
      return new StreamResetError({
        endpoint: this.host.endpointKey,
        code,
        codeName: codeName(code),
        phase: "body"
      })
    }
    return undefined
  }

  /** The collecting reader's limit is passed: drop what came and cancel the stream. */
  private overLimit(): void {
    const received = this.buffered
    this.chunks = []
    this.buffered = 0
    this.fail(
      new LimitExceededError({
        endpoint: this.host.endpointKey,
        protocol: "h2",
        phase: "body",
        limit: "maxBodySize",
        value: this.limit,
        detail: `${received} bytes of the body received`
      })
    )
    this.cancel()
  }

  /**
   * Cancels the stream when it made no progress for longer than the
   * deadline of its phase (the request's own, or the pool's); a reader that
   * stopped reading is not a stall.
   */
  checkStall(now: number, headersTimeout: number, bodyTimeout: number): void {
    if (this.heard || this.paused || this.settled) {
      this.heard = false
      this.lastHeard = now
      return
    }
    const phase = this.phase
    const own = this.stall
    const limit =
      phase === "headers" ? (own?.headersTimeout ?? headersTimeout) : (own?.bodyTimeout ?? bodyTimeout)
    if (now - this.lastHeard < limit) return
    this.fail(
      new TimeoutError({ endpoint: this.host.endpointKey, phase, protocol: "h2", timeoutMillis: limit })
    )
    this.cancel()
  }

  /** Node closed the stream, `code` being its RST_STREAM code or `0`. */
  closed(code: number): void {
    if (!this.settled) {
      this.host.markHeard()
      if (this.host.sessionGone) {
        // Node reports why it killed the session on the stream before the session hears of it.
        this.host.sessionLost(this.lastError)
      } else if (code !== NO_ERROR || this.head === undefined || !this.done) {
        this.fail(this.resetError(code))
      }
    }
    this.release()
  }

  fail(error: RequestsError): void {
    if (this.settled) return
    this.failure = error
    const waiter = this.headWaiter
    if (waiter !== undefined) {
      this.headWaiter = undefined
      waiter(Effect.fail(error))
    }
    this.wakeBody()
  }

  /** The session died under this stream. */
  failClosed(cause: unknown): void {
    if (!this.settled) this.fail(this.closedError(cause))
  }

  /** A GOAWAY with an error code is tearing the session down. */
  failGoAway(): void {
    if (!this.settled) this.fail(this.goAwayError())
  }

  private resetError(code: number): RequestsError {
    const host = this.host
    if (code === REFUSED_STREAM && this.head === undefined && this.id > host.goawayLastStreamId) {
      // Refused because the server sent GOAWAY below us: it never saw this request.
      return this.goAwayError()
    }
    if (code === REFUSED_STREAM) host.counters.refused++
    else host.counters.resets++
    return new StreamResetError({
      endpoint: host.endpointKey,
      code,
      codeName: codeName(code),
      phase: this.phase
    })
  }

  private goAwayError(): GoAwayError {
    const host = this.host
    return new GoAwayError({
      endpoint: host.endpointKey,
      code: host.goawayCode,
      codeName: codeName(host.goawayCode),
      lastStreamId: host.goawayLastStreamId,
      streamId: this.id,
      phase: this.phase
    })
  }

  private closedError(cause: unknown): ClosedError {
    return new ClosedError({
      endpoint: this.host.endpointKey,
      protocol: "h2",
      phase: this.phase,
      reused: this.reused,
      responseStarted: this.head !== undefined,
      cause
    })
  }

  private wakeBody(): void {
    const waiter = this.bodyWaiter
    if (waiter !== undefined) {
      this.bodyWaiter = undefined
      waiter()
    }
  }

  private release(): void {
    if (this.released) return
    this.released = true
    this.host.streamEnded(this)
  }

  /**
   * The caller gave up: RST_STREAM(CANCEL) goes out and the slot is free at
   * once, without waiting for node to report the stream closed.
   */
  cancel(): void {
    if (!this.settled) this.fail(this.closedError(new Error("stream cancelled by the client")))
    const stream = this.stream
    if (stream !== undefined && !stream.closed && !stream.destroyed) stream.close(CANCEL)
    this.stopWriter()
    this.release()
  }

  writerStopped(error: RequestsError | undefined): void {
    // The writer is finishing on its own: it must not interrupt itself.
    this.writer = undefined
    if (error !== undefined) this.fail(error)
    this.cancel()
  }

  private stopWriter(): void {
    const writer = this.writer
    if (writer === undefined) return
    this.writer = undefined
    writer.unsafeInterruptAsFork(FiberId.none)
  }

  /**
   * Full duplex: the streamed request body is written by its own fiber while
   * the caller goes on to wait for the head and read the body. The fiber is
   * owned by the stream: cancelling the stream (an interrupted caller, or the
   * response's scope closing on an unread body) interrupts it, and its own
   * failure fails the exchange. It is a daemon because the caller's fiber
   * ends as soon as the head is returned.
   */
  startWriting(body: Stream.Stream<Uint8Array, unknown>, length: number | undefined): Effect.Effect<void> {
    return Effect.map(
      Effect.forkDaemon(
        Effect.interruptible(
          Effect.ensuring(
            this.writeBody(body, length),
            Effect.sync(() => (this.writer = undefined))
          )
        )
      ),
      (fiber) => {
        if (this.writer === undefined && !this.settled) this.writer = fiber
      }
    )
  }

  // --- request body ---------------------------------------------------------

  /**
   * Writes a streamed request body under the stream's flow control, then
   * ends our side. `length` is the declared content-length, if any.
   */
  writeBody(
    body: Stream.Stream<Uint8Array, unknown>,
    length: number | undefined
  ): Effect.Effect<void, RequestsError> {
    return writeBody(this, body, length)
  }

  /** The node stream, once attached. */
  get node(): http2.ClientHttp2Stream | undefined {
    return this.stream
  }

  get endpointKey(): string {
    return this.host.endpointKey
  }

  // --- pulled by the caller -------------------------------------------------

  /** The response head; interrupting the wait cancels the stream. */
  readonly awaitHead: Effect.Effect<ResponseHead, RequestsError> = Effect.suspend(() => {
    if (this.head !== undefined) return Effect.succeed(this.head)
    if (this.failure !== undefined) return Effect.fail(this.failure)
    return Effect.async<ResponseHead, RequestsError>((resume) => {
      this.headWaiter = resume
      return this.cancelEffect
    })
  })

  /** For `Effect.onInterrupt` around the whole exchange. */
  readonly cancelOnInterrupt = (): Effect.Effect<void> => this.cancelEffect

  private readonly cancelEffect = Effect.sync(() => {
    this.headWaiter = undefined
    this.bodyWaiter = undefined
    this.cancel()
  })

  private readonly waitForBody: Effect.Effect<void> = Effect.async<void>((resume) => {
    this.bodyWaiter = () => resume(Effect.void)
    return this.cancelEffect
  })

  private take(): Array<Uint8Array> {
    const taken = this.chunks
    this.chunks = []
    this.buffered = 0
    this.resumeReading()
    return taken
  }

  private resumeReading(): void {
    if (this.paused) {
      this.paused = false
      this.stream?.resume()
    }
  }

  /** The whole body when it has fully arrived, without suspending; else `undefined`. */
  takeAll(): Uint8Array | undefined {
    return this.done ? joinChunks(this.take()) : undefined
  }

  /**
   * The whole body as one buffer, failing with a `LimitExceededError` (and
   * cancelling the stream) once more than `limit` bytes have arrived: a
   * single copy at the end, never one per chunk.
   */
  readAtMost(limit: number): Effect.Effect<Uint8Array, RequestsError> {
    return Effect.suspend(() => {
      if (this.buffered > limit) {
        this.limit = limit
        this.overLimit()
      }
      if (this.failure !== undefined) return Effect.fail(this.failure)
      if (this.done) return Effect.succeed(joinChunks(this.take()))
      this.limit = limit
      this.collecting = true
      this.resumeReading()
      return Effect.zipRight(this.waitForBody, this.readAtMost(limit))
    })
  }

  /** The whole body as one buffer, without a limit. */
  readonly readAll: Effect.Effect<Uint8Array, RequestsError> = Effect.suspend(() =>
    this.readAtMost(Number.POSITIVE_INFINITY)
  )

  /**
   * The next batch of body chunks: `None` at the end of the body. Data
   * already buffered is handed out before a failure is reported.
   */
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<RequestsError>> = Effect.suspend(() => {
    if (this.chunks.length > 0) return Effect.succeed(Chunk.unsafeFromArray(this.take()))
    if (this.done) return Effect.fail(Option.none())
    if (this.failure !== undefined) return Effect.fail(Option.some(this.failure))
    return Effect.zipRight(this.waitForBody, this.pull)
  })

  /** The reader gives up: an unfinished stream is cancelled. */
  readonly abandon = (): void => {
    if (!this.done || !this.released) this.cancel()
  }
}
