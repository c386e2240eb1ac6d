/**
 * One stream of our own engine behind {@link StreamIo}: the request body
 * bytes its send window has not let out yet, and the received bytes a
 * paused reader has not handed back.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { StreamEvents, StreamIo } from "./session-io.js"

/** What a stream asks of its session. @internal */
export interface StreamSession {
  /** Sends what the windows allow of `data`; returns the bytes sent, or `-1` if the stream is closed for sending. */
  sendData(stream: OwnStream, data: Uint8Array, endStream: boolean): number
  /** Gives `n` received bytes back to the peer's windows. */
  consume(stream: OwnStream, n: number): void
  reset(stream: OwnStream, code: number): void
  /** The socket is over its high-water mark. */
  readonly writeBlocked: boolean
  /** The stream has bytes waiting for a window. */
  blocked(stream: OwnStream): void
  /** Both sides ended: the stream is closed. */
  ended(stream: OwnStream): void
}

/** @internal */
export class OwnStream implements StreamIo {
  closed = false
  rstCode: number | undefined = undefined
  localEnded: boolean
  remoteEnded = false
  private paused = false
  /** Bytes received while paused, handed back on resume. */
  owed = 0
  /** Body bytes waiting for the send windows. */
  pending: Uint8Array | undefined = undefined
  /** END_STREAM goes out once `pending` has. */
  endPending = false
  private waiter: (() => void) | undefined = undefined

  constructor(
    private readonly session: StreamSession,
    readonly id: number,
    readonly events: StreamEvents,
    endStream: boolean
  ) {
    this.localEnded = endStream
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    const owed = this.owed
    if (owed > 0) {
      this.owed = 0
      this.session.consume(this, owed)
    }
  }

  /** Body bytes arrived: handed back at once unless the reader is behind. */
  received(n: number): void {
    if (this.paused || this.closed) this.owed += n
    else this.session.consume(this, n)
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.localEnded) return true
    if (this.pending !== undefined) {
      // The writer did not wait for `drained`: keep the order, at the cost of a copy.
      this.pending = Buffer.concat([this.pending, chunk])
      return false
    }
    return this.send(chunk, false)
  }

  end(chunk?: Uint8Array): void {
    if (this.closed || this.localEnded) return
    if (this.pending !== undefined) {
      if (chunk !== undefined) this.write(chunk)
      this.endPending = true
      return
    }
    this.send(chunk ?? EMPTY, true)
  }

  private send(data: Uint8Array, end: boolean): boolean {
    const sent = this.session.sendData(this, data, end)
    if (sent < 0) return true
    if (sent < data.length) {
      this.pending = data.subarray(sent)
      this.endPending = end
      this.session.blocked(this)
      return false
    }
    if (end) this.endedLocally()
    return !this.session.writeBlocked
  }

  /** A window opened: sends what waited for it. Returns whether nothing waits any more. */
  windowOpened(): boolean {
    const pending = this.pending
    if (pending === undefined) return true
    const end = this.endPending
    const sent = this.session.sendData(this, pending, end)
    if (sent >= 0 && sent < pending.length) {
      this.pending = pending.subarray(sent)
      return false
    }
    this.pending = undefined
    this.endPending = false
    if (sent >= 0 && end) this.endedLocally()
    this.wake()
    return true
  }

  private endedLocally(): void {
    this.localEnded = true
    if (this.remoteEnded) this.session.ended(this)
  }

  get drained(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.ready) return resume(Effect.void)
      this.waiter = () => resume(Effect.void)
      return Effect.sync(() => {
        this.waiter = undefined
      })
    })
  }

  private get ready(): boolean {
    return this.closed || (this.pending === undefined && !this.session.writeBlocked)
  }

  /** Lets a waiting writer go on if it may. */
  wake(): void {
    const waiter = this.waiter
    if (waiter !== undefined && this.ready) {
      this.waiter = undefined
      waiter()
    }
  }

  cancel(code: number): void {
    if (this.closed) return
    this.session.reset(this, code)
  }
}

const EMPTY = new Uint8Array(0)
