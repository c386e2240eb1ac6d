/**
 * Where a client pool keeps its named streams until somebody takes them by
 * ID, and the hand-over to a taker that asked before the stream arrived.
 *
 * The hand-over never loses a stream. A stream given to a waiting taker is
 * recorded on the taker before the taker's fiber is resumed; should the
 * fiber be interrupted (or time out) at that very instant, the resume is
 * lost but the record is not, and the stream goes back on the shelf (or to
 * the next taker). `take` runs uninterruptibly apart from the wait itself,
 * so a stream it yields reaches the caller's `acquireRelease`, whose release
 * closes it.
 *
 * Generic over the stream, so the hand-over is tested with plain objects
 * and exact interleavings.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as http2 from "node:http2"
import { TimeoutError } from "../../Errors.js"
import { StreamNotFound } from "./errors.js"
import { isStreamId } from "./ids.js"

const { NGHTTP2_CANCEL } = http2.constants

/** What the shelf needs of a stream (a node `Http2Stream` has it). @internal */
export interface Shelvable {
  readonly closed: boolean
  readonly destroyed: boolean
  close(code?: number): void
  once(event: "close", listener: () => void): unknown
}

/** How many IDs of streams that closed on the shelf are remembered, to fail their `take` at once. */
const REMEMBERED_CLOSED = 4_096

type NotFoundReason = "Closed" | "PoolClosed"

class Taker<S> {
  /** Set by `put` before resuming, so a resume lost to interruption still knows the stream. */
  stream: S | undefined = undefined
  /** Replaced when the wait starts; a taker is listed only from then on. */
  resume: (outcome: S | NotFoundReason) => void = () => {}
}

const isOpen = (stream: Shelvable): boolean => !stream.closed && !stream.destroyed

/** The shelf of one client pool. @internal */
export class Shelf<S extends Shelvable> {
  private readonly idle = new Map<string, S>()
  private readonly takers = new Map<string, Array<Taker<S>>>()
  /** Insertion-ordered, trimmed from the oldest. */
  private readonly closedIds = new Set<string>()
  private shut = false

  /** `endpoint` names the server in a `TimeoutError`. */
  constructor(private readonly endpoint: () => string) {}

  /** Streams on the shelf. */
  get size(): number {
    return this.idle.size
  }

  get isShut(): boolean {
    return this.shut
  }

  /** Whether a stream named `id` waits on the shelf. */
  has(id: string): boolean {
    return this.idle.has(id)
  }

  /** Takers waiting for `id`. */
  waiting(id: string): number {
    return this.takers.get(id)?.length ?? 0
  }

  /** A named stream arrives: to its first taker if one waits, else onto the shelf. */
  put(id: string, stream: S): void {
    if (this.shut) return discard(stream)
    const takers = this.takers.get(id)
    if (!isOpen(stream)) {
      this.rememberClosed(id)
      this.takers.delete(id)
      for (const taker of takers ?? []) taker.resume("Closed")
      return
    }
    if (takers !== undefined) {
      const taker = takers.shift()
      if (takers.length === 0) this.takers.delete(id)
      if (taker !== undefined) {
        taker.stream = stream
        taker.resume(stream)
        return
      }
    }
    this.idle.set(id, stream)
    stream.once("close", () => {
      if (this.idle.get(id) !== stream) return
      this.idle.delete(id)
      this.rememberClosed(id)
    })
  }

  /**
   * The stream named `id`, waiting up to `timeout` for it to arrive. Must run
   * uninterruptibly (as an `acquireRelease`'s acquire): only the wait is
   * interruptible.
   */
  take(id: string, timeout: Duration.Duration): Effect.Effect<S, StreamNotFound | TimeoutError> {
    return Effect.suspend(() => {
      if (!isStreamId(id)) return Effect.fail(new StreamNotFound({ id, reason: "MalformedId" }))
      if (this.shut) return Effect.fail(new StreamNotFound({ id, reason: "PoolClosed" }))
      const shelved = this.idle.get(id)
      if (shelved !== undefined) {
        this.idle.delete(id)
        // Closed while it waited, its 'close' not emitted yet.
        if (isOpen(shelved)) return Effect.succeed(shelved)
        this.rememberClosed(id)
        return Effect.fail(new StreamNotFound({ id, reason: "Closed" }))
      }
      if (this.closedIds.has(id)) return Effect.fail(new StreamNotFound({ id, reason: "Closed" }))
      return this.wait(id, timeout)
    })
  }

  private wait(id: string, timeout: Duration.Duration): Effect.Effect<S, StreamNotFound | TimeoutError> {
    const taker = new Taker<S>()
    // Registered when the wait starts, which the timeout's race may run a
    // moment later: what happened meanwhile is looked at again.
    const arrival = Effect.async<S, StreamNotFound>((resume) => {
      taker.resume = (outcome) =>
        resume(
          typeof outcome === "string"
            ? Effect.fail(new StreamNotFound({ id, reason: outcome }))
            : Effect.succeed(outcome)
        )
      if (this.shut) return taker.resume("PoolClosed")
      const shelved = this.idle.get(id)
      if (shelved !== undefined && isOpen(shelved)) {
        this.idle.delete(id)
        taker.stream = shelved
        return taker.resume(shelved)
      }
      const takers = this.takers.get(id)
      if (takers === undefined) this.takers.set(id, [taker])
      else takers.push(taker)
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
    // Interruptible, else the timeout could never cut the wait short; the
    // exit handler runs uninterruptibly whatever ended the wait.
    return Effect.onExit(Effect.interruptible(bounded), (exit) =>
      Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => this.abandon(id, taker))
    )
  }

  /** A taker gave up; a stream handed to it in the same instant goes back. */
  private abandon(id: string, taker: Taker<S>): void {
    const takers = this.takers.get(id)
    if (takers !== undefined) {
      const at = takers.indexOf(taker)
      if (at !== -1) takers.splice(at, 1)
      if (takers.length === 0) this.takers.delete(id)
    }
    const stream = taker.stream
    taker.stream = undefined
    if (stream !== undefined) this.put(id, stream)
  }

  private rememberClosed(id: string): void {
    this.closedIds.delete(id)
    this.closedIds.add(id)
    if (this.closedIds.size > REMEMBERED_CLOSED) {
      const oldest = this.closedIds.values().next()
      if (oldest.done !== true) this.closedIds.delete(oldest.value)
    }
  }

  /** Closes every stream on the shelf; their IDs are remembered as closed. */
  flush(): void {
    for (const [id, stream] of this.idle) {
      discard(stream)
      this.rememberClosed(id)
    }
    this.idle.clear()
  }

  /** The connection carrying the shelved streams died with them: they are closed already. */
  forget(): void {
    for (const id of this.idle.keys()) this.rememberClosed(id)
    this.idle.clear()
  }

  /** The pool closes: shelved streams are closed, waiting takers fail with `PoolClosed`. */
  shutDown(): void {
    this.shut = true
    this.flush()
    const takers = [...this.takers.values()].flat()
    this.takers.clear()
    for (const taker of takers) taker.resume("PoolClosed")
  }
}

const discard = (stream: Shelvable): void => {
  if (isOpen(stream)) stream.close(NGHTTP2_CANCEL)
}
