/**
 * The state a client connection's send and receive halves share: codecs,
 * streams, windows, the peer's settings and the queue of events.
 *
 * @internal
 */
import type { ConnectionEvent } from "./connection-events.js"
import { type ClientConnectionOptions, type ResolvedOptions, resolveOptions } from "./connection-options.js"
import type { H2ConnectionError, H2StreamError } from "./errors.js"
import { ReceiveWindow } from "./flow-control.js"
import { DEFAULT_WINDOW_SIZE } from "./frame.js"
import { FrameWriter } from "./frame-writer.js"
import { HpackDecoder } from "./hpack-decoder.js"
import { HpackEncoder } from "./hpack-encoder.js"
import { PeerSettings } from "./peer-settings.js"
import { ClosedBy, type Stream } from "./stream-state.js"
import { StreamTable } from "./stream-table.js"

/**
 * Codecs, streams, windows and queues of one connection, shared by its send and receive halves.
 *
 * @internal
 */
export class ConnectionState {
  readonly options: ResolvedOptions
  readonly writer = new FrameWriter()
  readonly encoder: HpackEncoder
  readonly decoder: HpackDecoder
  readonly streams = new StreamTable()
  readonly peer = new PeerSettings()
  /** What the server may still send on the connection. */
  readonly receiveWindow: ReceiveWindow
  /** What we may still send on the connection. */
  sendWindow = DEFAULT_WINDOW_SIZE
  events: Array<ConnectionEvent> = []
  /** Our SETTINGS frames not yet acknowledged. */
  settingsAcksPending = 0
  /** ACKs queued since the output was last taken. */
  answersQueued = 0
  /** The last stream id of the server's GOAWAY, once one came. */
  goAwayLastStreamId: number | undefined = undefined
  goAwaySent = false
  failure: H2ConnectionError | undefined = undefined

  constructor(options?: ClientConnectionOptions) {
    const o = (this.options = resolveOptions(options))
    this.encoder = new HpackEncoder({ maxTableSize: o.encoderTableSize })
    this.decoder = new HpackDecoder({ maxHeaderListSize: o.maxHeaderListSize })
    this.receiveWindow = new ReceiveWindow(o.connectionWindowSize)
  }

  /** Queues an event; returns undefined so that a handler can end with it. */
  emit(event: ConnectionEvent): undefined {
    this.events.push(event)
    return undefined
  }

  /** Gives back `n` received bytes to the connection and, while it may still send, to the stream. */
  consume(streamId: number, n: number): void {
    const increment = this.receiveWindow.consume(n)
    if (increment > 0) this.writer.windowUpdate(0, increment)
    const stream = this.streams.get(streamId)
    if (stream === undefined || !stream.readable) return
    const streamIncrement = stream.receive.consume(n)
    if (streamIncrement > 0) this.writer.windowUpdate(streamId, streamIncrement)
  }

  /** Resets a stream the peer broke a rule on, and reports it. */
  resetStream(stream: Stream, error: H2StreamError): undefined {
    this.writer.rstStream(stream.id, error.code)
    this.streams.close(stream, ClosedBy.LocalReset)
    return this.emit({ _tag: "StreamReset", streamId: stream.id, errorCode: error.code, by: "local", error })
  }

  /** Ends the connection on a connection error: GOAWAY with its code and reason (§5.4.1). */
  fail(error: H2ConnectionError): void {
    this.failure = error
    if (this.goAwaySent) return
    this.goAwaySent = true
    this.writer.goAway(0, error.code, new Uint8Array(Buffer.from(error.reason, "latin1")))
  }
}
