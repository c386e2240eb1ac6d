/**
 * What a client connection does with each frame the server sends (RFC 9113
 * §5, §6): the receive half of {@link ClientConnection}, over the state it
 * shares with the send half.
 *
 * @internal
 */
import { ErrorCode } from "./error-codes.js"
import { connectionError, H2ConnectionError, type H2StreamError, streamError } from "./errors.js"
import type { ConnectionState } from "./connection-state.js"
import { FloodGuard, type FloodKind, type FloodLimits } from "./flood-guard.js"
import { growSendWindow } from "./flow-control.js"
import {
  type ContinuationFrame,
  DEFAULT_MAX_FRAME_SIZE,
  type Frame,
  type GoAwayFrame,
  type HeadersFrame,
  type SettingsFrame
} from "./frame.js"
import { type FrameHandler, FrameReader } from "./frame-reader.js"
import { HeaderBlock } from "./header-block.js"
import { DEFAULT_HEADER_TABLE_SIZE } from "./hpack-decoder.js"
import { lengthMismatch, responseSection } from "./response-headers.js"
import { ClosedBy, ResponsePhase, type Stream } from "./stream-state.js"

const { PROTOCOL_ERROR, FLOW_CONTROL_ERROR, STREAM_CLOSED, ENHANCE_YOUR_CALM } = ErrorCode
const FLOOD_REASONS: Record<FloodKind, string> = {
  settings: "SettingsFlood",
  pings: "PingFlood",
  resets: "ResetFlood",
  emptyData: "EmptyDataFlood"
}

/** Why DATA cannot be taken on a stream in the table, if it cannot. */
const dataProblem = (
  stream: Stream,
  flowLength: number,
  length: number,
  endStream: boolean
): H2StreamError | undefined => {
  const id = stream.id
  if (!stream.readable) return streamError(id, STREAM_CLOSED, "FrameAfterEndStream", "DATA after END_STREAM")
  if (!stream.receive.receive(flowLength)) {
    return streamError(id, FLOW_CONTROL_ERROR, "StreamWindowExceeded", `DATA of ${flowLength} bytes`)
  }
  if (stream.phase === ResponsePhase.Head) {
    return streamError(id, PROTOCOL_ERROR, "DataBeforeHeaders", "DATA before the response head")
  }
  return lengthMismatch(stream, length, endStream)
}

/**
 * Handles the frames a server sends, on the connection's shared state.
 *
 * @internal
 */
export class Inbound implements FrameHandler {
  private readonly reader: FrameReader
  private readonly block: HeaderBlock
  private readonly flood: FloodGuard
  private now = 0
  private serverPrefaceSeen = false

  constructor(
    private readonly s: ConnectionState,
    flood: FloodLimits | undefined
  ) {
    this.block = new HeaderBlock(s.options.maxHeaderBlockSize, s.options.maxContinuationFrames)
    this.flood = new FloodGuard(flood)
    this.reader = new FrameReader(this)
    // Our SETTINGS go out first: a limit they raise may be used by the peer
    // before its ACK reaches us; one they lower binds only from the ACK on.
    const o = s.options
    this.reader.setMaxFrameSize(Math.max(o.maxFrameSize, DEFAULT_MAX_FRAME_SIZE))
    s.decoder.setTableSizeLimit(Math.max(o.headerTableSize, DEFAULT_HEADER_TABLE_SIZE))
  }

  /** Reads bytes from the server at time `now`; a connection error stops reading for good. */
  feed(bytes: Uint8Array, now: number): H2ConnectionError | undefined {
    this.now = now
    return this.reader.feed(bytes)
  }

  onFrame(frame: Frame): H2ConnectionError | undefined {
    if (!this.serverPrefaceSeen) {
      if (frame._tag !== "Settings" || frame.ack) {
        return connectionError(
          PROTOCOL_ERROR,
          "MissingServerPreface",
          `${frame._tag} frame before the server's SETTINGS`
        )
      }
      this.serverPrefaceSeen = true
    }
    if (this.block.open && (frame._tag !== "Continuation" || frame.streamId !== this.block.streamId)) {
      return connectionError(
        PROTOCOL_ERROR,
        "InterruptedHeaderBlock",
        `${frame._tag} frame within the field block of stream ${this.block.streamId}`
      )
    }
    switch (frame._tag) {
      case "Data":
        return this.onData(frame.streamId, frame.data, frame.flowLength, frame.endStream)
      case "Headers":
        return this.onHeaders(frame)
      case "Continuation":
        return this.onContinuation(frame)
      case "Settings":
        return this.onSettings(frame)
      case "Ping":
        if (frame.ack) return this.s.emit({ _tag: "Ping", ack: true, data: frame.data })
        if (this.flood.hit("pings", this.now)) return this.flooded("pings")
        this.s.writer.ping(frame.data, true)
        return this.answered() ?? this.s.emit({ _tag: "Ping", ack: false, data: frame.data })
      case "GoAway":
        return this.onGoAway(frame)
      case "RstStream":
        return this.onRstStream(frame.streamId, frame.errorCode)
      case "WindowUpdate":
        return this.onWindowUpdate(frame.streamId, frame.increment)
      case "PushPromise":
        return connectionError(PROTOCOL_ERROR, "PushDisabled", "PUSH_PROMISE although push is disabled")
      case "Priority":
        return undefined
      case "Origin":
        return this.s.emit({ _tag: "Origin", origins: frame.origins })
    }
  }

  onStreamError(error: H2StreamError): H2ConnectionError | undefined {
    const stream = this.s.streams.get(error.streamId)
    if (stream !== undefined) return this.s.resetStream(stream, error)
    if (!this.s.streams.isIdle(error.streamId)) this.s.writer.rstStream(error.streamId, error.code)
    return undefined
  }

  private idleStream(type: string, streamId: number): H2ConnectionError {
    return connectionError(PROTOCOL_ERROR, "FrameOnIdleStream", `${type} frame on idle stream ${streamId}`)
  }

  /** A frame on a stream no longer in the map (§5.1, closed). */
  private lateFrame(type: string, streamId: number): H2ConnectionError | undefined {
    if (this.s.streams.isIdle(streamId)) return this.idleStream(type, streamId)
    switch (this.s.streams.closedBy(streamId)) {
      case ClosedBy.EndStream:
        return connectionError(
          STREAM_CLOSED,
          "FrameOnClosedStream",
          `${type} frame on closed stream ${streamId}`
        )
      case ClosedBy.RemoteReset:
        this.s.writer.rstStream(streamId, STREAM_CLOSED)
        return undefined
      default:
        return undefined
    }
  }

  private flooded(kind: FloodKind): H2ConnectionError {
    return connectionError(ENHANCE_YOUR_CALM, FLOOD_REASONS[kind], `too many frames (${kind}) in a window`)
  }

  /** Counts a queued ACK; a peer that asks faster than we write is stopped. */
  private answered(): H2ConnectionError | undefined {
    if (++this.s.answersQueued <= this.s.options.maxQueuedAnswers) return undefined
    return connectionError(
      ENHANCE_YOUR_CALM,
      "AnswerBacklog",
      `over ${this.s.options.maxQueuedAnswers} ACKs unwritten`
    )
  }

  private onData(
    streamId: number,
    data: Uint8Array,
    flowLength: number,
    endStream: boolean
  ): H2ConnectionError | undefined {
    if (this.s.streams.isIdle(streamId)) return this.idleStream("DATA", streamId)
    if (!this.s.receiveWindow.receive(flowLength)) {
      return connectionError(FLOW_CONTROL_ERROR, "ConnectionWindowExceeded", `DATA of ${flowLength} bytes`)
    }
    const stream = this.s.streams.get(streamId)
    const problem = stream === undefined ? undefined : dataProblem(stream, flowLength, data.length, endStream)
    if (stream === undefined || problem !== undefined) {
      // Nobody will consume these bytes: give them back to the connection at once.
      this.s.consume(0, flowLength)
      return stream === undefined ? this.lateFrame("DATA", streamId) : this.s.resetStream(stream, problem!)
    }
    stream.bodyBytes += data.length
    if (flowLength > data.length) this.s.consume(streamId, flowLength - data.length)
    if (data.length === 0 && !endStream)
      return this.flood.hit("emptyData", this.now) ? this.flooded("emptyData") : undefined
    this.s.emit({ _tag: "Data", streamId, data, endStream })
    if (endStream) this.s.streams.endRemote(stream)
    return undefined
  }

  private onHeaders(frame: HeadersFrame): H2ConnectionError | undefined {
    if (this.s.streams.isIdle(frame.streamId)) return this.idleStream("HEADERS", frame.streamId)
    if (frame.endHeaders) return this.onFieldBlock(frame.streamId, frame.fragment, frame.endStream)
    return this.block.start(frame.streamId, frame.endStream, frame.fragment)
  }

  private onContinuation(frame: ContinuationFrame): H2ConnectionError | undefined {
    if (!this.block.open) {
      return connectionError(
        PROTOCOL_ERROR,
        "UnexpectedContinuation",
        `CONTINUATION on stream ${frame.streamId}`
      )
    }
    const error = this.block.continue(frame.fragment)
    if (error !== undefined || !frame.endHeaders) return error
    const endStream = this.block.endStream
    return this.onFieldBlock(frame.streamId, this.block.finish(), endStream)
  }

  private onFieldBlock(
    streamId: number,
    block: Uint8Array,
    endStream: boolean
  ): H2ConnectionError | undefined {
    // Decoded whatever the stream's state: the HPACK context must see every block.
    const decoded = this.s.decoder.decode(block, streamId)
    if (decoded instanceof H2ConnectionError) return decoded
    const stream = this.s.streams.get(streamId)
    if (stream === undefined) return this.lateFrame("HEADERS", streamId)
    if (!stream.readable) {
      return this.s.resetStream(
        stream,
        streamError(streamId, STREAM_CLOSED, "FrameAfterEndStream", "HEADERS after END_STREAM")
      )
    }
    if (!Array.isArray(decoded)) return this.s.resetStream(stream, decoded)
    const event = responseSection(stream, decoded, endStream, this.s.options.maxInterimResponses)
    if (event._tag === "H2StreamError") return this.s.resetStream(stream, event)
    this.s.emit(event)
    if (endStream) this.s.streams.endRemote(stream)
    return undefined
  }

  private onSettings(frame: SettingsFrame): H2ConnectionError | undefined {
    if (frame.ack) {
      if (this.s.settingsAcksPending === 0) {
        return connectionError(PROTOCOL_ERROR, "UnexpectedSettingsAck", "SETTINGS ACK with none outstanding")
      }
      this.s.settingsAcksPending--
      // What we announced binds the peer from its ACK on (§6.5.3).
      this.reader.setMaxFrameSize(this.s.options.maxFrameSize)
      this.s.decoder.setTableSizeLimit(this.s.options.headerTableSize)
      return this.s.emit({ _tag: "SettingsAck" })
    }
    if (this.flood.hit("settings", this.now)) return this.flooded("settings")
    const grown: Array<number> = []
    const error = this.s.peer.apply(frame.settings, this.s.encoder, this.s.streams.values(), grown)
    if (error !== undefined) return error
    for (const streamId of grown) this.s.emit({ _tag: "WindowUpdate", streamId })
    this.s.writer.settingsAck()
    return this.answered() ?? this.s.emit({ _tag: "Settings", settings: frame.settings })
  }

  private onGoAway(frame: GoAwayFrame): H2ConnectionError | undefined {
    const previous = this.s.goAwayLastStreamId
    if (previous !== undefined && frame.lastStreamId > previous) {
      return connectionError(
        PROTOCOL_ERROR,
        "GoAwayIncreased",
        `last stream ${frame.lastStreamId} after ${previous}`
      )
    }
    this.s.goAwayLastStreamId = frame.lastStreamId
    for (const stream of this.s.streams.values()) {
      if (stream.id <= frame.lastStreamId) continue
      this.s.streams.close(stream, ClosedBy.RemoteReset)
      const errorCode = ErrorCode.REFUSED_STREAM
      this.s.emit({ _tag: "StreamReset", streamId: stream.id, errorCode, by: "goaway", error: undefined })
    }
    return this.s.emit({
      _tag: "GoAway",
      lastStreamId: frame.lastStreamId,
      errorCode: frame.errorCode,
      debugData: frame.debugData
    })
  }

  private onRstStream(streamId: number, errorCode: number): H2ConnectionError | undefined {
    if (this.flood.hit("resets", this.now)) return this.flooded("resets")
    const stream = this.s.streams.get(streamId)
    if (stream === undefined)
      return this.s.streams.isIdle(streamId) ? this.idleStream("RST_STREAM", streamId) : undefined
    this.s.streams.close(stream, ClosedBy.RemoteReset)
    return this.s.emit({ _tag: "StreamReset", streamId, errorCode, by: "peer", error: undefined })
  }

  private onWindowUpdate(streamId: number, increment: number): H2ConnectionError | undefined {
    if (streamId === 0) {
      const next = growSendWindow(this.s.sendWindow, increment)
      if (next === undefined)
        return connectionError(FLOW_CONTROL_ERROR, "WindowOverflow", "connection window over 2^31-1")
      this.s.sendWindow = next
      return this.s.emit({ _tag: "WindowUpdate", streamId })
    }
    const stream = this.s.streams.get(streamId)
    if (stream === undefined)
      return this.s.streams.isIdle(streamId) ? this.idleStream("WINDOW_UPDATE", streamId) : undefined
    const next = growSendWindow(stream.sendWindow, increment)
    if (next === undefined) {
      return this.s.resetStream(
        stream,
        streamError(streamId, FLOW_CONTROL_ERROR, "WindowOverflow", "window over 2^31-1")
      )
    }
    stream.sendWindow = next
    return this.s.emit({ _tag: "WindowUpdate", streamId })
  }
}
