/**
 * One request/response exchange on an HTTP/2 stream, seen from the caller's
 * side: the request body it writes, the head it waits for and the body it
 * reads.
 *
 * The engine pushes into it through {@link StreamEvents}, and it drives the
 * engine's stream through {@link StreamIo}; the caller pulls from it
 * through Effects, the body from a `BodyBuffer`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import type * as Stream from "effect/Stream"
import { BodyBuffer, type BodyOwner } from "../exchange/body-buffer.js"
import type { ExchangeResponse, ResponseHead } from "../exchange/exchange.js"
import type { StallOverride } from "../limits/settings.js"
import { LimitExceededError, TimeoutError, type Phase, type RequestsError } from "../../Errors.js"
import { CANCEL, NO_ERROR } from "./codes.js"
import { closedError, goAwayError, resetError, truncation } from "./stream-errors.js"
import type { StreamEvents, StreamIo } from "./engine/session-io.js"
import type { StreamHost } from "./stream-host.js"
import { writeBody } from "./upload.js"

type Resume = (effect: Effect.Effect<ExchangeResponse, RequestsError>) => void

/** @internal */
export class H2Stream implements BodyOwner, StreamEvents {
  head: ResponseHead | undefined = undefined
  lastError: Error | undefined = undefined
  /** The response body, as it waits for its reader. */
  readonly body: BodyBuffer
  private stream: StreamIo | undefined = undefined
  private paused = false
  private released = false
  /** The request body is being written. */
  writing = false
  /** Body bytes received, to hold against the declared content-length. */
  private received = 0
  /** Interim (1xx) responses seen. */
  private interims = 0
  /** Progress since the connection last looked: a field write, no clock read. */
  heard = true
  /** Clock time, in ms, the connection last saw progress at. */
  lastHeard = 0
  private headWaiter: Resume | undefined = undefined
  /** The fiber writing a streamed request body while the response is read (full duplex). */
  private writer: Fiber.RuntimeFiber<void, RequestsError> | undefined = undefined

  constructor(
    readonly host: StreamHost,
    highWaterMark: number,
    /** Whether the connection had carried an earlier stream. */
    readonly reused: boolean,
    /** A response to HEAD declares a content-length it never sends. */
    private readonly isHead = false,
    /** The request's own `headersTimeout` and `bodyTimeout`, if it set them. */
    private readonly stall: StallOverride | undefined = undefined
  ) {
    this.body = new BodyBuffer(this, highWaterMark)
  }

  /** Takes over the engine's stream just opened for it. */
  attach(stream: StreamIo): void {
    this.stream = stream
  }

  /** Stream id; `0` until the engine assigned one. */
  get id(): number {
    return this.stream?.id ?? 0
  }

  get phase(): Phase {
    return this.writing ? "request" : this.head === undefined ? "headers" : "body"
  }

  get done(): boolean {
    return this.body.done
  }

  get failure(): RequestsError | undefined {
    return this.body.failure
  }

  /** True once the body has been fully received or has failed. */
  get settled(): boolean {
    return this.body.settled
  }

  get protocol(): "h2" {
    return "h2"
  }

  // --- pushed by node and the connection --------------------------------------

  setHead(head: ResponseHead): void {
    this.head = head
    this.heard = true
    this.host.markHeard()
    const waiter = this.headWaiter
    if (waiter !== undefined) {
      this.headWaiter = undefined
      waiter(Effect.succeed(this.answer(head, this.remoteAddress, this.coalesced)))
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
    this.received += chunk.byteLength
    if (this.body.push(chunk) && !this.paused) {
      // The engine stops handing back the stream's window while it is
      // paused, so the server stops sending once the window is used up.
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
        this.fail(resetError(this, stream.rstCode ?? NO_ERROR))
        return
      }
      // END_STREAM without a final response head is malformed (RFC 9113 §8.1).
      this.fail(closedError(this, new Error("stream ended without a response head")))
      return
    }
    const truncated = truncation(this, this.head, this.stream, this.isHead, this.received)
    if (truncated !== undefined) {
      this.fail(truncated)
      return
    }
    this.body.done = true
    // With our side finished too the stream is closed in protocol terms:
    // the slot is free now, before the reader hears of the end.
    if (this.stream?.localEnded === true) this.release()
    this.body.end()
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
        this.fail(resetError(this, code))
      }
    }
    // Nothing more of the request can go out (a server may stop an upload with
    // RST_STREAM(NO_ERROR) after a complete response): a writer still waiting
    // on its source would wait for nothing.
    this.stopWriter()
    this.release()
  }

  fail(error: RequestsError): void {
    if (!this.body.fail(error)) return
    const waiter = this.headWaiter
    if (waiter !== undefined) {
      this.headWaiter = undefined
      waiter(Effect.fail(error))
    }
  }

  /** The session died under this stream. */
  failClosed(cause: unknown): void {
    if (!this.settled) this.fail(closedError(this, cause))
  }

  /** A GOAWAY with an error code is tearing the session down. */
  failGoAway(): void {
    if (!this.settled) this.fail(goAwayError(this))
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
    if (!this.settled) this.fail(closedError(this, new Error("stream cancelled by the client")))
    this.stream?.cancel(CANCEL)
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

  /** The engine's stream, once attached. */
  get io(): StreamIo | undefined {
    return this.stream
  }

  get endpointKey(): string {
    return this.host.endpointKey
  }

  // --- pulled by the caller -------------------------------------------------

  /**
   * The answer to the exchange, once its head is in; interrupting the wait
   * cancels the stream. Checked when run, not when built: with a streamed
   * body the head may come while the writer starts.
   */
  awaitAnswer(
    remoteAddress: string | undefined,
    coalesced: boolean
  ): Effect.Effect<ExchangeResponse, RequestsError> {
    return Effect.async<ExchangeResponse, RequestsError>((resume) => {
      const head = this.head
      if (head !== undefined) return resume(Effect.succeed(this.answer(head, remoteAddress, coalesced)))
      if (this.failure !== undefined) return resume(Effect.fail(this.failure))
      this.remoteAddress = remoteAddress
      this.coalesced = coalesced
      this.headWaiter = resume
      return this.cancelEffect
    })
  }

  private remoteAddress: string | undefined = undefined
  private coalesced = false

  private answer(
    head: ResponseHead,
    remoteAddress: string | undefined,
    coalesced: boolean
  ): ExchangeResponse {
    return { protocol: "h2", head, body: this.body, remoteAddress, coalesced }
  }

  /** For `Effect.onInterrupt` around the whole exchange. */
  readonly cancelOnInterrupt = (): Effect.Effect<void> => this.cancelEffect

  private readonly cancelEffect = Effect.sync(() => {
    this.headWaiter = undefined
    this.cancel()
  })

  // --- BodyOwner: the reader's side ---------------------------------------------

  /** The reader drained the buffer: node may consume the stream's window again. */
  resumeReading(): void {
    if (this.paused) {
      this.paused = false
      this.stream?.resume()
    }
  }

  /** The reader gives up: an unfinished stream is cancelled. */
  abandon(): void {
    if (!this.done || !this.released) this.cancel()
  }
}
