/**
 * The streams a server pool accepted and named, in the order they arrived,
 * and the callers of `incoming` waiting for the next one.
 *
 * The hand-over never loses a stream, as on the client's shelf: a stream
 * given to a waiting caller is recorded on it before the caller's fiber is
 * resumed, so a caller interrupted (or timing out) at that instant puts it
 * back at the head of the line. `take` runs uninterruptibly apart from the
 * wait itself.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as http2 from "node:http2"
import { TimeoutError } from "../../Errors.js"
import { StreamNotFound } from "./errors.js"
import type { Shelvable } from "./shelf.js"

const { NGHTTP2_CANCEL } = http2.constants

/** A named stream. @internal */
export interface Arrival<S> {
  readonly id: string
  readonly stream: S
}

class Taker<S> {
  /** Set before resuming, so a resume lost to interruption still knows the stream. */
  handed: Arrival<S> | undefined = undefined
  /** Replaced when the wait starts; a taker is listed only from then on. */
  resume: (arrival: Arrival<S> | undefined) => void = () => {}
}

const isOpen = (stream: Shelvable): boolean => !stream.closed && !stream.destroyed

const closed = (): StreamNotFound => new StreamNotFound({ id: "", reason: "PoolClosed" })

/** The arrivals of one server pool. @internal */
export class Arrivals<S extends Shelvable> {
  /** Insertion-ordered: the first entry arrived first. */
  private ready = new Map<string, S>()
  private readonly takers: Array<Taker<S>> = []
  private shut = false

  /** `endpoint` names the server in a `TimeoutError`. */
  constructor(private readonly endpoint: () => string) {}

  /** Streams waiting to be taken. */
  get size(): number {
    return this.ready.size
  }

  /** Callers waiting for a stream. */
  get waiting(): number {
    return this.takers.length
  }

  has(id: string): boolean {
    return this.ready.has(id)
  }

  /** A stream was named: to the first waiting caller, else in line. */
  put(id: string, stream: S): void {
    if (this.shut) return discard(stream)
    if (!isOpen(stream)) return
    const taker = this.takers.shift()
    if (taker !== undefined) {
      taker.handed = { id, stream }
      taker.resume(taker.handed)
      return
    }
    this.ready.set(id, stream)
    stream.once("close", () => {
      if (this.ready.get(id) === stream) this.ready.delete(id)
    })
  }

  /** Takes `id` out of line (its stream failed); whether it was in line. */
  remove(id: string): boolean {
    return this.ready.delete(id)
  }

  /** The first open stream in line, if any. */
  private next(): Arrival<S> | undefined {
    for (const [id, stream] of this.ready) {
      this.ready.delete(id)
      // Closed while it waited, its 'close' not emitted yet.
      if (isOpen(stream)) return { id, stream }
    }
    return undefined
  }

  /**
   * The next stream, waiting up to `timeout`. Must run uninterruptibly (as
   * an `acquireRelease`'s acquire): only the wait is interruptible.
   */
  take(timeout: Duration.Duration): Effect.Effect<Arrival<S>, StreamNotFound | TimeoutError> {
    return Effect.suspend(() => {
      if (this.shut) return Effect.fail(closed())
      const ready = this.next()
      return ready === undefined ? this.wait(timeout) : Effect.succeed(ready)
    })
  }

  private wait(timeout: Duration.Duration): Effect.Effect<Arrival<S>, StreamNotFound | TimeoutError> {
    const taker = new Taker<S>()
    const arrival = Effect.async<Arrival<S>, StreamNotFound>((resume) => {
      taker.resume = (handed) => resume(handed === undefined ? Effect.fail(closed()) : Effect.succeed(handed))
      // The timeout's race may start the wait a moment later: look again.
      if (this.shut) return taker.resume(undefined)
      const ready = this.next()
      if (ready !== undefined) {
        taker.handed = ready
        return taker.resume(ready)
      }
      this.takers.push(taker)
    })
    const bounded = Effect.timeoutFail(arrival, {
      duration: timeout,
      onTimeout: () =>
        new TimeoutError({
          endpoint: this.endpoint(),
          phase: "acquire",
          protocol: "h2",
          timeoutMillis: Duration.toMillis(timeout)
        })
    })
    return Effect.onExit(Effect.interruptible(bounded), (exit) =>
      Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => this.abandon(taker))
    )
  }

  /** A caller gave up; a stream handed to it in the same instant goes back to the head of the line. */
  private abandon(taker: Taker<S>): void {
    const at = this.takers.indexOf(taker)
    if (at !== -1) this.takers.splice(at, 1)
    const handed = taker.handed
    taker.handed = undefined
    if (handed === undefined || !isOpen(handed.stream)) return
    if (this.shut) return discard(handed.stream)
    const next = this.takers.shift()
    if (next !== undefined) {
      next.handed = handed
      next.resume(handed)
      return
    }
    this.ready = new Map([[handed.id, handed.stream], ...this.ready])
    handed.stream.once("close", () => {
      if (this.ready.get(handed.id) === handed.stream) this.ready.delete(handed.id)
    })
  }

  /** Closes every stream in line. */
  flush(): void {
    for (const stream of this.ready.values()) discard(stream)
    this.ready.clear()
  }

  /** The pool closes: streams in line are closed, waiting callers fail with `PoolClosed`. */
  shutDown(): void {
    this.shut = true
    this.flush()
    for (const taker of this.takers.splice(0)) taker.resume(undefined)
  }
}

const discard = (stream: Shelvable): void => {
  if (isOpen(stream)) stream.close(NGHTTP2_CANCEL)
}
