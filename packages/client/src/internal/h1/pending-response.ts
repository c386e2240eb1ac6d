/**
 * The response to one request written on an HTTP/1.1 connection, seen from
 * the caller's side: the head it waits for and the body it reads.
 *
 * The connection pushes into it (head, body chunks, completion, failure);
 * the caller pulls from it through Effects. Body chunks are kept as the
 * views the parser produced, so no byte is copied until the caller asks for
 * a contiguous body.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { joinChunks } from "../exchange/chunks.js"
import { LimitExceededError, type RequestsError } from "../../Errors.js"
import type { ExchangeResponse, ResponseBody } from "../exchange/exchange.js"
import type { StallOverride } from "../limits/settings.js"
import type { ResponseHead } from "./response-parser.js"

/** Resumes the request waiting for the head: with the response, or the failure that came first. */
export type ResumeHead = (effect: Effect.Effect<ExchangeResponse, RequestsError>) => void

/** What the exchange tells its connection. */
export interface PendingResponseOwner {
  /** Where the response comes from, for the caller. */
  readonly remoteAddress: string | undefined
  /** `scheme://host:port`, for errors. */
  readonly endpoint: { readonly key: string }
  /** The caller gave up before the exchange completed: the connection cannot be reused. */
  abandon(exchange: PendingResponse): void
  /** The caller drained the buffer below the low-water mark. */
  resumeReading(): void
}

const noHead: ResponseHead | undefined = undefined

/** @internal */
export class PendingResponse implements ResponseBody {
  head = noHead
  /** Set once any byte of the response has arrived. */
  responseStarted = false
  done = false
  failure: RequestsError | undefined = undefined
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private resumeHead: ResumeHead | undefined = undefined
  private bodyWaiter: (() => void) | undefined = undefined
  /** While the whole body is being collected, backpressure would only stall it. */
  private collecting = false
  /** Most bytes the collecting reader accepts. */
  private limit = Number.POSITIVE_INFINITY

  constructor(
    readonly owner: PendingResponseOwner,
    readonly isHead: boolean,
    private readonly highWaterMark: number,
    /** Written on a connection that had carried other exchanges: a failure before any byte may be a stale socket. */
    readonly reused: boolean,
    /** The request's own `headersTimeout` and `bodyTimeout`, if it set them. */
    readonly stall: StallOverride | undefined = undefined
  ) {}

  // --- pushed by the connection ---------------------------------------------

  /** Returns whether the connection should stop reading until the caller drains. */
  pushBody(chunk: Uint8Array): boolean {
    this.chunks.push(chunk)
    this.buffered += chunk.byteLength
    if (this.collecting) {
      if (this.buffered > this.limit) this.overLimit()
      return false
    }
    this.wakeBody()
    return this.buffered > this.highWaterMark
  }

  /** Records the head; the caller hears of it in {@link announce}, once its chunk is parsed. */
  setHead(head: ResponseHead): void {
    this.head = head
  }

  /**
   * Tells the caller the head arrived. The connection calls it after the
   * whole chunk is parsed, so a body that came in the same chunk is already
   * complete when the caller builds its response.
   */
  announce(): void {
    const resume = this.resumeHead
    if (resume !== undefined && this.head !== undefined) {
      this.resumeHead = undefined
      resume(Effect.succeed(this.answer(this.head)))
    }
  }

  private answer(head: ResponseHead): ExchangeResponse {
    return {
      protocol: "http/1.1",
      head,
      body: this,
      remoteAddress: this.owner.remoteAddress,
      coalesced: false
    }
  }

  complete(): void {
    this.done = true
    this.announce()
    this.wakeBody()
  }

  fail(error: RequestsError): void {
    if (this.done || this.failure) return
    this.failure = error
    const resume = this.resumeHead
    if (resume !== undefined) {
      this.resumeHead = undefined
      resume(Effect.fail(error))
    }
    this.wakeBody()
  }

  private wakeBody(): void {
    const waiter = this.bodyWaiter
    if (waiter) {
      this.bodyWaiter = undefined
      waiter()
    }
  }

  // --- pulled by the caller -------------------------------------------------

  /**
   * Resumes the caller when the head arrives or the exchange fails, at once
   * if that already happened. The caller folds the wait into the one
   * `Effect.async` of its request, and returns {@link cancel} from it.
   */
  listen(resume: ResumeHead): void {
    if (this.head !== undefined) resume(Effect.succeed(this.answer(this.head)))
    else if (this.failure !== undefined) resume(Effect.fail(this.failure))
    else this.resumeHead = resume
  }

  /** The caller gave up waiting: it hears nothing more, and an unfinished exchange closes the connection. */
  readonly cancel: Effect.Effect<void> = Effect.sync(() => {
    this.resumeHead = undefined
    this.owner.abandon(this)
  })

  private waitForBody(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      this.bodyWaiter = () => resume(Effect.void)
      return Effect.sync(() => {
        this.bodyWaiter = undefined
        this.owner.abandon(this)
      })
    })
  }

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
   * closing the connection) once more than `limit` bytes have arrived. A
   * single copy at the end, never one per chunk.
   */
  readAtMost(limit: number): Effect.Effect<Uint8Array, RequestsError> {
    return Effect.suspend(() => {
      if (this.buffered > limit) {
        this.limit = limit
        this.overLimit()
      }
      if (this.failure) return Effect.fail(this.failure)
      if (this.done) return Effect.succeed(joinChunks(this.take()))
      this.limit = limit
      this.collecting = true
      this.owner.resumeReading()
      return Effect.zipRight(this.waitForBody(), this.readAtMost(limit))
    })
  }

  /** The whole body as one buffer, without a limit. */
  readonly readAll: Effect.Effect<Uint8Array, RequestsError> = Effect.suspend(() =>
    this.readAtMost(Number.POSITIVE_INFINITY)
  )

  /** The collecting reader's limit is passed: drop what came and give the connection up. */
  private overLimit(): void {
    const received = this.buffered
    this.chunks = []
    this.buffered = 0
    this.fail(
      new LimitExceededError({
        endpoint: this.owner.endpoint.key,
        protocol: "http/1.1",
        phase: "body",
        limit: "maxBodySize",
        value: this.limit,
        detail: `${received} bytes of the body received`
      })
    )
    this.owner.abandon(this)
  }

  /**
   * Pulls the next batch of body chunks: `None` at the end of the body.
   * Data already buffered is handed out before a failure is reported.
   */
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<RequestsError>> = Effect.suspend(() => {
    if (this.chunks.length > 0) return Effect.succeed(Chunk.unsafeFromArray(this.take()))
    if (this.done) return Effect.fail(Option.none())
    if (this.failure) return Effect.fail(Option.some(this.failure))
    return Effect.zipRight(this.waitForBody(), this.pull)
  })

  /** The reader gives up; an unfinished exchange makes the connection unusable. */
  readonly abandon = (): void => this.owner.abandon(this)

  /** True once nothing is left to read from the connection for this exchange. */
  get settled(): boolean {
    return this.done || this.failure !== undefined
  }
}
