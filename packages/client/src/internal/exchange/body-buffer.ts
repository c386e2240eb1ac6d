/**
 * The response body of one exchange as it waits for its reader, whatever
 * protocol carries it: the chunks received and not yet read, the reader
 * waiting for more, and how the body ended.
 *
 * The protocol side pushes into it (chunks, the end, a failure) and is told,
 * through its {@link BodyOwner}, when to read from the wire again and when
 * the reader gave up. Chunks are kept as the views the protocol produced, so
 * no byte is copied until the reader asks for one contiguous body.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { LimitExceededError, type Protocol, type RequestsError } from "../../Errors.js"
import { joinChunks } from "./chunks.js"
import type { ResponseBody } from "./exchange.js"

/** What a body buffer needs from the connection or stream that fills it. @internal */
export interface BodyOwner {
  /** `scheme://host:port`, for errors. */
  readonly endpointKey: string
  readonly protocol: Protocol
  /** The reader drained the buffer: reading from the wire may go on. */
  resumeReading(): void
  /**
   * The reader gave up (or its limit was passed) before the body ended: a
   * connection is closed, a stream cancelled, as the protocol requires.
   */
  abandon(): void
}

/** @internal */
export class BodyBuffer implements ResponseBody {
  /** The whole body arrived. */
  done = false
  /** Why the body (or the exchange, before its head) failed. */
  failure: RequestsError | undefined = undefined
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private waiter: (() => void) | undefined = undefined
  /** While the whole body is being collected, backpressure would only stall it. */
  private collecting = false
  /** Most bytes the collecting reader accepts. */
  private limit = Number.POSITIVE_INFINITY

  constructor(
    private readonly owner: BodyOwner,
    /** Bytes buffered for a reader that has not caught up before the owner should stop reading. */
    private readonly highWaterMark: number
  ) {}

  /** True once the body has been fully received or has failed. */
  get settled(): boolean {
    return this.done || this.failure !== undefined
  }

  // --- pushed by the protocol ---------------------------------------------------

  /** Keeps a chunk for the reader; returns whether the owner should stop reading until the reader drains. */
  push(chunk: Uint8Array): boolean {
    this.chunks.push(chunk)
    this.buffered += chunk.byteLength
    if (this.collecting) {
      if (this.buffered > this.limit) this.overLimit()
      return false
    }
    this.wake()
    return this.buffered > this.highWaterMark
  }

  /** The body is complete. */
  end(): void {
    this.done = true
    this.wake()
  }

  /** The exchange failed; a reader hears of it once what was buffered is read. Returns `false` if already settled. */
  fail(error: RequestsError): boolean {
    if (this.settled) return false
    this.failure = error
    this.wake()
    return true
  }

  private wake(): void {
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter()
    }
  }

  /** The collecting reader's limit is passed: drop what came, fail, and let the owner give the body up. */
  private overLimit(): void {
    const received = this.buffered
    this.chunks = []
    this.buffered = 0
    this.fail(
      new LimitExceededError({
        endpoint: this.owner.endpointKey,
        protocol: this.owner.protocol,
        phase: "body",
        limit: "maxBodySize",
        value: this.limit,
        detail: `${received} bytes of the body received`
      })
    )
    this.owner.abandon()
  }

  // --- pulled by the reader -------------------------------------------------------

  /** Waits for more of the body, or its end; interrupting the wait gives the body up. */
  private readonly waitForBody: Effect.Effect<void> = Effect.async<void>((resume) => {
    this.waiter = () => resume(Effect.void)
    return Effect.sync(() => {
      this.waiter = undefined
      this.owner.abandon()
    })
  })

  private take(): Array<Uint8Array> {
    const taken = this.chunks
    this.chunks = []
    this.buffered = 0
    this.owner.resumeReading()
    return taken
  }

  /** The whole body when it has fully arrived, without suspending; else `undefined`. */
  takeAll(): Uint8Array | undefined {
    return this.done ? joinChunks(this.take()) : undefined
  }

  /**
   * The whole body as one buffer, failing with a `LimitExceededError` (and
   * giving the body up) once more than `limit` bytes have arrived: a single
   * copy at the end, never one per chunk.
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
      this.owner.resumeReading()
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

  /** The reader gives up; an unfinished body makes the connection (or stream) unusable. */
  readonly abandon = (): void => this.owner.abandon()
}
