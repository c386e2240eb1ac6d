/**
 * The sans-IO state of the client side of one HTTP/2 connection (RFC 9113).
 *
 * It is fed the bytes the server sends (`receive`) and told what the
 * application wants (`request`, `sendData`, `consume`, `reset`…); it
 * queues what that means as {@link ConnectionEvent}s (`takeEvents`) and as
 * bytes to write (`takeOutput`). It owns the frame codec, both HPACK
 * contexts, SETTINGS, flow control, stream states and the limits that keep
 * a peer from making it work or buffer without end. It never touches a
 * socket or a timer: time comes in as a number with each `receive`, and
 * the driver times SETTINGS ACKs, PINGs and idle streams itself.
 *
 * @internal
 */
import type { ConnectionEvent } from "./connection-events.js"
import { type ClientConnectionOptions, localSettings } from "./connection-options.js"
import { ConnectionState } from "./connection-state.js"
import { ErrorCode } from "./error-codes.js"
import { type H2ConnectionError, H2StreamRefused } from "./errors.js"
import { DEFAULT_WINDOW_SIZE } from "./frame.js"
import { checkRequestHeaders } from "./field-syntax.js"
import { Inbound } from "./inbound.js"
import { ClosedBy, type Stream } from "./stream-state.js"

const EMPTY = new Uint8Array(0)

/**
 * The client end of one HTTP/2 connection, without I/O: bytes and calls in, events and bytes out.
 *
 * @internal
 */
export class ClientConnection {
  private readonly s: ConnectionState
  private readonly inbound: Inbound
  private started = false

  constructor(options?: ClientConnectionOptions) {
    this.s = new ConnectionState(options)
    this.inbound = new Inbound(this.s, options?.flood)
  }

  /** Queues the connection preface, our SETTINGS and the connection window; call once, first. */
  start(): void {
    if (this.started) return
    this.started = true
    this.s.writer.preface()
    this.s.writer.settings(localSettings(this.s.options))
    this.s.settingsAcksPending++
    const extra = this.s.options.connectionWindowSize - DEFAULT_WINDOW_SIZE
    if (extra > 0) this.s.writer.windowUpdate(0, extra)
  }

  /**
   * Processes bytes from the peer, split anywhere, at time `now` (ms, for
   * the flood limits). On a connection error the GOAWAY is queued, the
   * connection is dead, and the error comes back from every later call.
   */
  receive(bytes: Uint8Array, now = 0): H2ConnectionError | undefined {
    if (this.s.failure !== undefined) return this.s.failure
    const error = this.inbound.feed(bytes, now)
    if (error !== undefined) this.s.fail(error)
    return error
  }

  /** Events since the last call, in order. */
  takeEvents(): Array<ConnectionEvent> {
    const events = this.s.events
    this.s.events = []
    return events
  }

  /** Bytes to write since the last call, in order (views safe to keep). */
  takeOutput(): ReadonlyArray<Uint8Array> {
    this.s.answersQueued = 0
    return this.s.writer.take()
  }

  /** Whether bytes are waiting in `takeOutput`. */
  get wantsWrite(): boolean {
    return this.s.writer.pendingBytes > 0
  }

  /** Our SETTINGS not yet acknowledged: the driver fails the connection with SETTINGS_TIMEOUT if this stays above 0 too long (§6.5.3). */
  get settingsAckPending(): boolean {
    return this.s.settingsAcksPending > 0
  }

  /** Whether the connection is ending: a GOAWAY was received or sent, or a connection error happened. No stream can be opened. */
  get goingAway(): boolean {
    return this.s.goAwayLastStreamId !== undefined || this.s.goAwaySent
  }

  /** The connection error that ended the connection, if one did. */
  get error(): H2ConnectionError | undefined {
    return this.s.failure
  }

  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS now, `Infinity` until it sets one. */
  get peerMaxConcurrentStreams(): number {
    return this.s.peer.maxConcurrentStreams
  }

  /** Streams open or half-closed. */
  get activeStreams(): number {
    return this.s.streams.size
  }

  /** Whether `request` can open a stream now. */
  get canOpenStream(): boolean {
    return this.refusal() === undefined && this.s.streams.size < this.s.peer.maxConcurrentStreams
  }

  /** Bytes `sendData` can put on the wire for `streamId` now. */
  sendWindowOf(streamId: number): number {
    const stream = this.s.streams.get(streamId)
    return stream === undefined ? 0 : Math.max(0, Math.min(this.s.sendWindow, stream.sendWindow))
  }

  /**
   * Opens a stream with a request head `[name0, value0, …]` (names lower
   * case, pseudo-headers first); returns its id. A head HTTP/2 would call
   * malformed is refused, not sent.
   */
  request(headers: ReadonlyArray<string>, endStream: boolean): number | H2StreamRefused {
    const refused = this.refusal()
    if (refused !== undefined) return refused
    if (this.s.streams.size >= this.s.peer.maxConcurrentStreams) {
      return refuse("MaxConcurrentStreams", `the peer allows ${this.s.peer.maxConcurrentStreams} streams`)
    }
    if (this.s.streams.exhausted) return refuse("StreamIdsExhausted", "no stream identifier left")
    const invalid = checkRequestHeaders(headers)
    if (invalid !== undefined) return refuse("InvalidHeaders", invalid)
    let size = 0
    for (let i = 0; i + 1 < headers.length; i += 2) size += headers[i]!.length + headers[i + 1]!.length + 32
    if (size > this.s.peer.maxHeaderListSize) {
      return refuse("HeaderListTooLarge", `${size} octets, over the peer's ${this.s.peer.maxHeaderListSize}`)
    }
    const block = this.s.encoder.encode(headers)
    const stream = this.s.streams.open(
      endStream,
      this.s.peer.initialWindowSize,
      this.s.options.initialWindowSize
    )
    stream.headRequest = isHead(headers)
    this.s.writer.headers(stream.id, block, { endStream }, this.s.peer.maxFrameSize)
    return stream.id
  }

  /**
   * Sends as much of `data` as the send windows allow, in frames of the
   * peer's maximum size; returns the bytes sent. END_STREAM goes with the
   * last byte, so only once all of `data` is sent. Large chunks are
   * passed to the output by reference: leave `data` unchanged until the
   * output that holds it is written.
   */
  sendData(streamId: number, data: Uint8Array, endStream: boolean): number | H2StreamRefused {
    const stream = this.writableStream(streamId)
    if (stream instanceof H2StreamRefused) return stream
    let sent = 0
    while (sent < data.length) {
      const n = Math.min(data.length - sent, this.s.sendWindow, stream.sendWindow, this.s.peer.maxFrameSize)
      if (n <= 0) break
      this.s.writer.data(streamId, data.subarray(sent, sent + n), endStream && sent + n === data.length)
      sent += n
      this.s.sendWindow -= n
      stream.sendWindow -= n
    }
    if (endStream && sent === data.length) {
      if (data.length === 0) this.s.writer.data(streamId, EMPTY, true)
      this.s.streams.endLocal(stream)
    }
    return sent
  }

  /** Sends trailers, which end the stream. */
  sendTrailers(streamId: number, headers: ReadonlyArray<string>): H2StreamRefused | undefined {
    const stream = this.writableStream(streamId)
    if (stream instanceof H2StreamRefused) return stream
    const invalid = checkRequestHeaders(headers, true)
    if (invalid !== undefined) return refuse("InvalidHeaders", invalid)
    this.s.writer.headers(
      streamId,
      this.s.encoder.encode(headers),
      { endStream: true },
      this.s.peer.maxFrameSize
    )
    this.s.streams.endLocal(stream)
    return undefined
  }

  /**
   * Hands back `n` bytes of DATA the application has used, so the peer may
   * send more; WINDOW_UPDATEs go out once half a window is used.
   */
  consume(streamId: number, n: number): void {
    this.s.consume(streamId, n)
  }

  /** Resets a stream we no longer want (RST_STREAM); frames already on their way are ignored. */
  reset(streamId: number, errorCode: number = ErrorCode.CANCEL): void {
    const stream = this.s.streams.get(streamId)
    if (stream === undefined) return
    this.s.writer.rstStream(streamId, errorCode)
    this.s.streams.close(stream, ClosedBy.LocalReset)
  }

  /** Sends a PING with 8 bytes of opaque data; its answer comes as a Ping event with `ack`. */
  ping(data: Uint8Array): void {
    this.s.writer.ping(data, false)
  }

  /** Sends a GOAWAY: no stream is opened after it. */
  goAway(errorCode: number = ErrorCode.NO_ERROR, debugData?: Uint8Array): void {
    if (this.s.goAwaySent) return
    this.s.goAwaySent = true
    this.s.writer.goAway(0, errorCode, debugData)
  }

  private refusal(): H2StreamRefused | undefined {
    if (this.s.failure !== undefined || this.s.goAwaySent)
      return refuse("ConnectionClosed", "the connection is closing")
    if (this.s.goAwayLastStreamId !== undefined) return refuse("GoAway", "the peer sent GOAWAY")
    return undefined
  }

  private writableStream(streamId: number): Stream | H2StreamRefused {
    const stream = this.s.streams.get(streamId)
    if (stream === undefined || !stream.writable || this.s.failure !== undefined) {
      return refuse("StreamNotWritable", `stream ${streamId} is closed for sending`)
    }
    return stream
  }
}

const refuse = (reason: H2StreamRefused["reason"], detail: string): H2StreamRefused =>
  new H2StreamRefused({ reason, detail })

const isHead = (headers: ReadonlyArray<string>): boolean => {
  for (let i = 0; i + 1 < headers.length; i += 2)
    if (headers[i] === ":method") return headers[i + 1] === "HEAD"
  return false
}
