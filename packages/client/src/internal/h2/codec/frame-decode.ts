/**
 * The payload rules of each frame type (RFC 9113 §6): a complete frame's
 * header fields and payload in, a frame or a typed error out.
 *
 * @internal
 */
import { ErrorCode } from "./error-codes.js"
import type { H2StreamError } from "./errors.js"
import { connectionError, H2ConnectionError, streamError } from "./errors.js"
import {
  Flag,
  type Frame,
  type OriginFrame,
  FrameType,
  type PrioritySpec,
  type Setting,
  SettingId,
  MAX_ALLOWED_FRAME_SIZE,
  DEFAULT_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE
} from "./frame.js"

const { PROTOCOL_ERROR, FRAME_SIZE_ERROR, FLOW_CONTROL_ERROR } = ErrorCode

/**
 * A big-endian unsigned 32-bit integer at `at`.
 *
 * @internal
 */
export const readUint32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0

/** A stream identifier or window increment: 31 bits, the reserved high bit ignored (§4.1). @internal */
export const readUint31 = (b: Uint8Array, at: number): number => readUint32(b, at) & 0x7fff_ffff

const frameSize = (type: string, detail: string): H2ConnectionError =>
  connectionError(FRAME_SIZE_ERROR, "BadFrameLength", `${type} frame ${detail}`)

const onStreamZero = (type: string): H2ConnectionError =>
  connectionError(PROTOCOL_ERROR, "StreamZero", `${type} frame on stream 0`)

const offStreamZero = (type: string, streamId: number): H2ConnectionError =>
  connectionError(PROTOCOL_ERROR, "NonZeroStream", `${type} frame on stream ${streamId}, not 0`)

/**
 * The start and end of the content of a possibly padded payload, after
 * `fixed` bytes of fields that follow the pad length; or an error.
 */
const unpad = (
  type: string,
  flags: number,
  payload: Uint8Array,
  fixed: number
): H2ConnectionError | number => {
  if ((flags & Flag.PADDED) === 0) {
    return payload.length < fixed ? frameSize(type, `of ${payload.length} bytes is too short`) : 0
  }
  if (payload.length < 1 + fixed) return frameSize(type, `of ${payload.length} bytes is too short`)
  const padLength = payload[0]!
  if (padLength > payload.length - 1 - fixed) {
    return connectionError(
      PROTOCOL_ERROR,
      "BadPadding",
      `${type} frame of ${payload.length} bytes with ${padLength} bytes of padding`
    )
  }
  return padLength
}

const prioritySpec = (b: Uint8Array, at: number): PrioritySpec => ({
  exclusive: (b[at]! & 0x80) !== 0,
  dependency: readUint31(b, at),
  weight: b[at + 4]!
})

/**
 * Checks one SETTINGS value against the range §6.5.2 allows.
 *
 * @internal
 */
export const checkSetting = (id: number, value: number): H2ConnectionError | undefined => {
  switch (id) {
    case SettingId.ENABLE_PUSH:
      return value > 1
        ? connectionError(PROTOCOL_ERROR, "BadSetting", `SETTINGS_ENABLE_PUSH of ${value}`)
        : undefined
    case SettingId.INITIAL_WINDOW_SIZE:
      return value > MAX_WINDOW_SIZE
        ? connectionError(FLOW_CONTROL_ERROR, "BadSetting", `SETTINGS_INITIAL_WINDOW_SIZE of ${value}`)
        : undefined
    case SettingId.MAX_FRAME_SIZE:
      return value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE
        ? connectionError(PROTOCOL_ERROR, "BadSetting", `SETTINGS_MAX_FRAME_SIZE of ${value}`)
        : undefined
    default:
      return undefined
  }
}

const settingsFrame = (flags: number, streamId: number, payload: Uint8Array): Frame | H2ConnectionError => {
  if (streamId !== 0) return offStreamZero("SETTINGS", streamId)
  const ack = (flags & Flag.ACK) !== 0
  if (ack && payload.length !== 0) return frameSize("SETTINGS", `ACK with ${payload.length} bytes`)
  if (payload.length % 6 !== 0)
    return frameSize("SETTINGS", `of ${payload.length} bytes, not a multiple of 6`)
  const settings: Array<Setting> = []
  for (let at = 0; at < payload.length; at += 6) {
    const id = (payload[at]! << 8) | payload[at + 1]!
    const value = readUint32(payload, at + 2)
    const invalid = checkSetting(id, value)
    if (invalid !== undefined) return invalid
    settings.push({ id, value })
  }
  return { _tag: "Settings", ack, settings }
}

const headersFrame = (flags: number, streamId: number, payload: Uint8Array): Frame | H2ConnectionError => {
  if (streamId === 0) return onStreamZero("HEADERS")
  const hasPriority = (flags & Flag.PRIORITY) !== 0
  const padLength = unpad("HEADERS", flags, payload, hasPriority ? 5 : 0)
  if (padLength instanceof H2ConnectionError) return padLength
  let at = (flags & Flag.PADDED) !== 0 ? 1 : 0
  let priority: PrioritySpec | undefined = undefined
  if (hasPriority) {
    priority = prioritySpec(payload, at)
    at += 5
  }
  return {
    _tag: "Headers",
    streamId,
    endStream: (flags & Flag.END_STREAM) !== 0,
    endHeaders: (flags & Flag.END_HEADERS) !== 0,
    priority,
    fragment: payload.subarray(at, payload.length - padLength)
  }
}

const pushPromiseFrame = (
  flags: number,
  streamId: number,
  payload: Uint8Array
): Frame | H2ConnectionError => {
  if (streamId === 0) return onStreamZero("PUSH_PROMISE")
  const padLength = unpad("PUSH_PROMISE", flags, payload, 4)
  if (padLength instanceof H2ConnectionError) return padLength
  const at = (flags & Flag.PADDED) !== 0 ? 1 : 0
  return {
    _tag: "PushPromise",
    streamId,
    endHeaders: (flags & Flag.END_HEADERS) !== 0,
    promisedStreamId: readUint31(payload, at),
    fragment: payload.subarray(at + 4, payload.length - padLength)
  }
}

/**
 * Decodes one complete frame of a known type. A stream error leaves the
 * connection usable: the caller resets the stream and reads on.
 *
 * @internal
 */
export const decodeFrame = (
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array
): Frame | H2ConnectionError | H2StreamError => {
  switch (type) {
    case FrameType.DATA: {
      if (streamId === 0) return onStreamZero("DATA")
      const padLength = unpad("DATA", flags, payload, 0)
      if (padLength instanceof H2ConnectionError) return padLength
      const start = (flags & Flag.PADDED) !== 0 ? 1 : 0
      return {
        _tag: "Data",
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        data: payload.subarray(start, payload.length - padLength),
        flowLength: payload.length
      }
    }
    case FrameType.HEADERS:
      return headersFrame(flags, streamId, payload)
    case FrameType.PRIORITY: {
      if (streamId === 0) return onStreamZero("PRIORITY")
      if (payload.length !== 5) {
        return streamError(
          streamId,
          FRAME_SIZE_ERROR,
          "BadFrameLength",
          `PRIORITY frame of ${payload.length} bytes`
        )
      }
      const priority = prioritySpec(payload, 0)
      if (priority.dependency === streamId) {
        return streamError(streamId, PROTOCOL_ERROR, "SelfDependency", "stream depends on itself")
      }
      return { _tag: "Priority", streamId, priority }
    }
    case FrameType.RST_STREAM:
      if (streamId === 0) return onStreamZero("RST_STREAM")
      if (payload.length !== 4) return frameSize("RST_STREAM", `of ${payload.length} bytes`)
      return { _tag: "RstStream", streamId, errorCode: readUint32(payload, 0) }
    case FrameType.SETTINGS:
      return settingsFrame(flags, streamId, payload)
    case FrameType.PUSH_PROMISE:
      return pushPromiseFrame(flags, streamId, payload)
    case FrameType.PING:
      if (streamId !== 0) return offStreamZero("PING", streamId)
      if (payload.length !== 8) return frameSize("PING", `of ${payload.length} bytes`)
      return { _tag: "Ping", ack: (flags & Flag.ACK) !== 0, data: payload }
    case FrameType.GOAWAY:
      if (streamId !== 0) return offStreamZero("GOAWAY", streamId)
      if (payload.length < 8) return frameSize("GOAWAY", `of ${payload.length} bytes`)
      return {
        _tag: "GoAway",
        lastStreamId: readUint31(payload, 0),
        errorCode: readUint32(payload, 4),
        debugData: payload.subarray(8)
      }
    case FrameType.WINDOW_UPDATE: {
      if (payload.length !== 4) return frameSize("WINDOW_UPDATE", `of ${payload.length} bytes`)
      const increment = readUint31(payload, 0)
      if (increment === 0) {
        const detail = "WINDOW_UPDATE with an increment of 0"
        return streamId === 0
          ? connectionError(PROTOCOL_ERROR, "ZeroWindowIncrement", detail)
          : streamError(streamId, PROTOCOL_ERROR, "ZeroWindowIncrement", detail)
      }
      return { _tag: "WindowUpdate", streamId, increment }
    }
    case FrameType.ORIGIN:
      return originFrame(payload)
    default:
      if (streamId === 0) return onStreamZero("CONTINUATION")
      return {
        _tag: "Continuation",
        streamId,
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        fragment: payload
      }
  }
}

/**
 * The Origin-Entries of an ORIGIN frame: a 16-bit length, then ASCII. An
 * entry that runs past the payload ends the list (RFC 8336 §2.1 asks that a
 * malformed frame be ignored, not fail the connection).
 */
const originFrame = (payload: Uint8Array): OriginFrame => {
  const origins: Array<string> = []
  let pos = 0
  while (pos + 2 <= payload.length) {
    const length = (payload[pos]! << 8) | payload[pos + 1]!
    pos += 2
    if (pos + length > payload.length) return { _tag: "Origin", origins: [] }
    origins.push(Buffer.from(payload.buffer, payload.byteOffset + pos, length).toString("latin1"))
    pos += length
  }
  return { _tag: "Origin", origins }
}
