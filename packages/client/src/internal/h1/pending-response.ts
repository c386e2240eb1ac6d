/**
 * The response to one request written on an HTTP/1.1 connection, seen from
 * the caller's side: the head it waits for, and the body it reads from a
 * {@link BodyBuffer} the connection fills.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { RequestsError } from "../../Errors.js"
import { BodyBuffer, type BodyOwner } from "../exchange/body-buffer.js"
import type { ExchangeResponse } from "../exchange/exchange.js"
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
export class PendingResponse implements BodyOwner {
  head = noHead
  /** Set once any byte of the response has arrived. */
  responseStarted = false
  readonly body: BodyBuffer
  private resumeHead: ResumeHead | undefined = undefined
  /** Set while a streamed upload waits on its body: an answer that ends the exchange stops it. */
  private onSettled: (() => void) | undefined = undefined

  constructor(
    readonly owner: PendingResponseOwner,
    readonly isHead: boolean,
    highWaterMark: number,
    /** Written on a connection that had carried other exchanges: a failure before any byte may be a stale socket. */
    readonly reused: boolean,
    /** The request's own `headersTimeout` and `bodyTimeout`, if it set them. */
    readonly stall: StallOverride | undefined = undefined
  ) {
    this.body = new BodyBuffer(this, highWaterMark)
  }

  get done(): boolean {
    return this.body.done
  }

  get failure(): RequestsError | undefined {
    return this.body.failure
  }

  /** True once nothing is left to read from the connection for this exchange. */
  get settled(): boolean {
    return this.body.settled
  }

  // --- BodyOwner ----------------------------------------------------------------

  get endpointKey(): string {
    return this.owner.endpoint.key
  }

  get protocol(): "http/1.1" {
    return "http/1.1"
  }

  resumeReading(): void {
    this.owner.resumeReading()
  }

  /** The reader gives up; an unfinished exchange makes the connection unusable. */
  abandon(): void {
    this.owner.abandon(this)
  }

  // --- pushed by the connection ---------------------------------------------

  /** Returns whether the connection should stop reading until the caller drains. */
  pushBody(chunk: Uint8Array): boolean {
    return this.body.push(chunk)
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
      body: this.body,
      remoteAddress: this.owner.remoteAddress,
      coalesced: false
    }
  }

  complete(): void {
    this.body.done = true
    this.announce()
    this.body.end()
    this.settle()
  }

  fail(error: RequestsError): void {
    if (!this.body.fail(error)) return
    const resume = this.resumeHead
    if (resume !== undefined) {
      this.resumeHead = undefined
      resume(Effect.fail(error))
    }
    this.settle()
  }

  private settle(): void {
    const onSettled = this.onSettled
    if (onSettled !== undefined) {
      this.onSettled = undefined
      onSettled()
    }
  }

  /**
   * Completes once nothing is left to read for this exchange: a server that
   * answered a streamed upload early (a 413, say) is heard even while the
   * body stream is waiting for its next chunk.
   */
  awaitSettled(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.settled) return resume(Effect.void)
      this.onSettled = () => resume(Effect.void)
      return Effect.sync(() => {
        this.onSettled = undefined
      })
    })
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
}
