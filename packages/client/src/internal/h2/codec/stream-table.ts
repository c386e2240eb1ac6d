/**
 * The streams of a client connection: those open or half-closed, the ids
 * handed out so far, and how recently closed ones ended (RFC 9113 §5.1).
 *
 * @internal
 */
import { ClosedBy, ClosedStreams, Stream, StreamState } from "./stream-state.js"

/** The largest stream identifier (§5.1.1). @internal */
export const MAX_STREAM_ID = 2_147_483_647

/**
 * One open or half-closed stream: its state, windows and interim count.
 *
 * @internal
 */
export class StreamTable {
  private readonly streams = new Map<number, Stream>()
  private readonly closed = new ClosedStreams()
  private nextId = 1

  /** Streams open or half-closed: those that count against SETTINGS_MAX_CONCURRENT_STREAMS. */
  get size(): number {
    return this.streams.size
  }

  /** Whether a new stream id is left (§5.1.1: ids are never reused). */
  get exhausted(): boolean {
    return this.nextId > MAX_STREAM_ID
  }

  get(id: number): Stream | undefined {
    return this.streams.get(id)
  }

  values(): IterableIterator<Stream> {
    return this.streams.values()
  }

  /** A new stream with the next client id. */
  open(endStream: boolean, sendWindow: number, receiveWindow: number): Stream {
    const stream = new Stream(this.nextId, endStream, sendWindow, receiveWindow)
    this.nextId += 2
    this.streams.set(stream.id, stream)
    return stream
  }

  /** Whether an id was never opened: a server one (push is off) or one past the last we used. */
  isIdle(id: number): boolean {
    return id % 2 === 0 || id >= this.nextId
  }

  /** How a stream that is neither idle nor in the table ended. */
  closedBy(id: number): ClosedBy {
    return this.closed.get(id)
  }

  close(stream: Stream, how: ClosedBy): void {
    this.streams.delete(stream.id)
    this.closed.add(stream.id, how)
  }

  /** We sent END_STREAM. */
  endLocal(stream: Stream): void {
    if (stream.state === StreamState.HalfClosedRemote) this.close(stream, ClosedBy.EndStream)
    else stream.state = StreamState.HalfClosedLocal
  }

  /** The peer sent END_STREAM. */
  endRemote(stream: Stream): void {
    if (stream.state === StreamState.HalfClosedLocal) this.close(stream, ClosedBy.EndStream)
    else stream.state = StreamState.HalfClosedRemote
  }
}
