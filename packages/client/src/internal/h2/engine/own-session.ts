/**
 * Our own HTTP/2 engine: the sans-IO {@link ClientConnection} driven over
 * the socket our dialer opened.
 *
 * Bytes from the socket go into the codec and its events out to the
 * streams. What the codec queues to send is written once per turn of the
 * event loop (`setImmediate`), so the frames of every stream that became
 * ready in the same turn leave in one vectored write.
 *
 * @internal
 */
import type * as net from "node:net"
import { InvalidRequestError } from "../../../Errors.js"
import { ClientConnection } from "../codec/client-connection.js"
import type {
  ConnectionEvent,
  DataEvent,
  GoAwayEvent,
  HeadersEvent,
  StreamResetEvent
} from "../codec/connection-events.js"
import { ErrorCode } from "../codec/error-codes.js"
import type { H2ConnectionError } from "../codec/errors.js"
import type { ResolvedH2Options } from "../options.js"
import { fieldsToHead } from "../response-head.js"
import { connectionProtocolError, localStreamError } from "./own-errors.js"
import { OwnStream, type StreamSession } from "./own-stream.js"
import type {
  OpenRefusal,
  RequestFields,
  SessionEvents,
  SessionIo,
  StreamEvents,
  StreamIo
} from "./session-io.js"

/** PINGs unanswered at once; more are not sent, as node's default. */
const MAX_OUTSTANDING_PINGS = 10

/** @internal */
export class OwnSession implements SessionIo, StreamSession {
  private readonly codec: ClientConnection
  private readonly streams = new Map<number, OwnStream>()
  private readonly waitingForWindow = new Set<OwnStream>()
  private readonly pings = new Map<number, (ok: boolean) => void>()
  private pingCounter = 0
  private flushScheduled = false
  private settingsSeen = false
  private closing = false
  gone = false
  writeBlocked = false

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ResolvedH2Options,
    private readonly events: SessionEvents
  ) {
    this.codec = new ClientConnection({
      initialWindowSize: options.initialWindowSize,
      connectionWindowSize: options.connectionWindowSize,
      maxHeaderListSize: options.maxHeaderListSize,
      maxInterimResponses: options.maxInterimResponses
    })
    socket.on("data", this.onData)
    socket.on("drain", this.onDrain)
    socket.on("error", this.onError)
    socket.on("close", this.onClose)
    if (socket.destroyed) {
      this.gone = true
      return
    }
    this.codec.start()
    this.flush()
    socket.resume()
  }

  // --- SessionIo ----------------------------------------------------------------

  open(fields: RequestFields, endStream: boolean, events: StreamEvents): StreamIo | OpenRefusal {
    if (this.gone) return { _tag: "Refused", retire: true, cause: new Error("session closed") }
    const id = this.codec.request(fields, endStream)
    if (typeof id !== "number") {
      switch (id.reason) {
        case "InvalidHeaders":
          return new InvalidRequestError({ reason: "InvalidHeaderValue", detail: id.detail })
        case "HeaderListTooLarge":
          return new InvalidRequestError({
            reason: "InvalidHeaderValue",
            detail: `header list of ${id.detail}`
          })
        case "MaxConcurrentStreams":
          return { _tag: "Refused", retire: false, cause: id }
        default:
          return { _tag: "Refused", retire: true, cause: id }
      }
    }
    const stream = new OwnStream(this, id, events, endStream)
    this.streams.set(id, stream)
    this.scheduleFlush()
    return stream
  }

  ping(onAck: (ok: boolean) => void): boolean {
    if (this.gone || this.closing || this.pings.size >= MAX_OUTSTANDING_PINGS) return false
    const key = (this.pingCounter = (this.pingCounter + 1) >>> 0)
    const data = new Uint8Array(8)
    new DataView(data.buffer).setUint32(4, key)
    this.pings.set(key, onAck)
    this.codec.ping(data)
    this.scheduleFlush()
    return true
  }

  close(): void {
    if (this.gone || this.closing) return
    this.closing = true
    this.codec.goAway(ErrorCode.NO_ERROR)
    this.flush()
    this.closeIfDone()
  }

  destroy(): void {
    if (this.gone) return
    this.codec.goAway(ErrorCode.NO_ERROR)
    this.flush()
    this.gone = true
    this.socket.destroy()
  }

  // --- StreamSession --------------------------------------------------------------

  sendData(stream: OwnStream, data: Uint8Array, endStream: boolean): number {
    const sent = this.codec.sendData(stream.id, data, endStream)
    if (typeof sent !== "number") return -1
    this.scheduleFlush()
    return sent
  }

  consume(stream: OwnStream, n: number): void {
    this.codec.consume(stream.id, n)
    if (this.codec.wantsWrite) this.scheduleFlush()
  }

  reset(stream: OwnStream, code: number): void {
    this.codec.reset(stream.id, code)
    this.scheduleFlush()
    this.forget(stream, code)
  }

  blocked(stream: OwnStream): void {
    this.waitingForWindow.add(stream)
  }

  ended(stream: OwnStream): void {
    this.forget(stream, undefined)
    stream.events.closed(ErrorCode.NO_ERROR)
    this.closeIfDone()
  }

  // --- the socket -------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    const error = this.codec.receive(chunk, this.events.now())
    const events = this.codec.takeEvents()
    for (let i = 0; i < events.length; i++) this.dispatch(events[i]!, events, i)
    if (error !== undefined) this.failConnection(error)
    else if (this.codec.wantsWrite) this.scheduleFlush()
  }

  private readonly onDrain = (): void => {
    this.writeBlocked = false
    for (const stream of this.streams.values()) stream.wake()
  }

  private readonly onError = (error: Error): void => {
    this.events.error(error)
  }

  private readonly onClose = (): void => {
    this.gone = true
    for (const onAck of this.pings.values()) onAck(false)
    this.pings.clear()
    this.events.sessionClosed()
    for (const stream of this.streams.values()) {
      stream.closed = true
      stream.wake()
    }
    this.streams.clear()
    this.waitingForWindow.clear()
  }

  // --- codec events ---------------------------------------------------------------

  private dispatch(event: ConnectionEvent, all: ReadonlyArray<ConnectionEvent>, at: number): void {
    switch (event._tag) {
      case "Settings":
        this.settingsSeen = true
        return this.events.remoteSettings(this.codec.peerMaxConcurrentStreams)
      case "SettingsAck":
        return this.events.settingsAcknowledged()
      case "Headers":
        return this.onHeaders(event)
      case "Data":
        return this.onBody(event)
      case "StreamReset":
        // Refused by a GOAWAY: told once the GOAWAY that follows in this batch has been heard.
        return event.by === "goaway" ? undefined : this.onReset(event)
      case "GoAway":
        return this.onGoAway(event, all, at)
      case "Ping":
        return event.ack ? this.onPingAck(event.data) : undefined
      case "WindowUpdate":
        return this.onWindowUpdate(event.streamId)
      case "Origin":
        return this.events.origins(event.origins)
    }
  }

  private onHeaders(event: HeadersEvent): void {
    const stream = this.streams.get(event.streamId)
    if (stream === undefined) return
    if (event.kind === "interim") stream.events.interim()
    else if (event.kind === "final") stream.events.setHead(fieldsToHead(event.status, event.headers))
    if (event.endStream) this.remoteEnded(stream)
  }

  private onBody(event: DataEvent): void {
    const stream = this.streams.get(event.streamId)
    if (stream === undefined) return
    const n = event.data.byteLength
    if (n > 0) {
      stream.events.pushBody(event.data)
      stream.received(n)
    }
    if (event.endStream) this.remoteEnded(stream)
  }

  private onReset(event: StreamResetEvent): void {
    const stream = this.streams.get(event.streamId)
    if (stream === undefined) return
    if (event.error !== undefined) {
      stream.events.fail(
        localStreamError(this.events.endpointKey, stream.events.phase, event.error, this.options)
      )
    }
    this.forget(stream, event.errorCode)
    stream.events.closed(event.errorCode)
    this.closeIfDone()
  }

  private onGoAway(event: GoAwayEvent, all: ReadonlyArray<ConnectionEvent>, at: number): void {
    this.events.goaway(event.errorCode, event.lastStreamId)
    for (let i = 0; i < at; i++) {
      const earlier = all[i]!
      if (earlier._tag !== "StreamReset" || earlier.by !== "goaway") continue
      const stream = this.streams.get(earlier.streamId)
      if (stream === undefined) continue
      this.forget(stream, earlier.errorCode)
      stream.events.closed(earlier.errorCode)
    }
    // No stream of ours may follow: close once those below lastStreamId are done.
    this.close()
  }

  private onPingAck(data: Uint8Array): void {
    if (data.byteLength !== 8) return
    const key = new DataView(data.buffer, data.byteOffset, 8).getUint32(4)
    const onAck = this.pings.get(key)
    if (onAck === undefined) return
    this.pings.delete(key)
    onAck(true)
  }

  private onWindowUpdate(streamId: number): void {
    if (this.waitingForWindow.size === 0) return
    if (streamId === 0) {
      for (const stream of this.waitingForWindow)
        if (stream.windowOpened()) this.waitingForWindow.delete(stream)
      return
    }
    const stream = this.streams.get(streamId)
    if (stream !== undefined && stream.windowOpened()) this.waitingForWindow.delete(stream)
  }

  private remoteEnded(stream: OwnStream): void {
    stream.remoteEnded = true
    stream.events.complete()
    if (stream.localEnded && !stream.closed) this.ended(stream)
  }

  /** Takes a closed stream out of the session; what a paused reader still owed goes back to the connection. */
  private forget(stream: OwnStream, code: number | undefined): void {
    if (stream.closed) return
    stream.closed = true
    stream.rstCode = code
    this.streams.delete(stream.id)
    this.waitingForWindow.delete(stream)
    if (stream.owed > 0) {
      this.codec.consume(stream.id, stream.owed)
      stream.owed = 0
      this.scheduleFlush()
    }
    stream.wake()
  }

  /** Our side found the server breaking the protocol: GOAWAY is queued; every stream fails with why. */
  private failConnection(error: H2ConnectionError): void {
    const endpoint = this.events.endpointKey
    for (const stream of this.streams.values())
      stream.events.fail(connectionProtocolError(endpoint, stream.events.phase, error))
    this.events.protocolFailure(
      connectionProtocolError(endpoint, this.settingsSeen ? "idle" : "settings", error)
    )
    this.destroy()
  }

  private closeIfDone(): void {
    if (this.closing && this.streams.size === 0 && !this.gone) {
      this.flush()
      this.socket.end()
    }
  }

  // --- output -------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled || this.gone) return
    this.flushScheduled = true
    setImmediate(this.flushTask)
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false
    this.flush()
  }

  private flush(): void {
    if (this.gone || !this.codec.wantsWrite) return
    const socket = this.socket
    if (socket.destroyed || !socket.writable) return
    const out = this.codec.takeOutput()
    let ok = true
    if (out.length === 1) ok = socket.write(out[0]!)
    else {
      socket.cork()
      for (let i = 0; i < out.length; i++) ok = socket.write(out[i]!)
      socket.uncork()
    }
    if (!ok) this.writeBlocked = true
  }
}
