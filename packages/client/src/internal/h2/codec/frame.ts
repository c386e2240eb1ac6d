/**
 * HTTP/2 frames (RFC 9113 §4, §6) as plain values.
 *
 * Payload bytes (`data`, `fragment`, `debugData`) are views: into the chunk
 * the reader was fed when the frame arrived whole, or into a buffer of the
 * frame's own when it was split across chunks. Either way nothing else
 * writes to them, so a consumer may keep them.
 *
 * @internal
 */

/**
 * Frame type codes (RFC 9113 §6).
 *
 * @internal
 */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
  /** RFC 8336: the origins a connection is authoritative for. */
  ORIGIN: 0xc
} as const

/**
 * Frame flags (RFC 9113 §6); END_STREAM and ACK share a bit on different frame types.
 *
 * @internal
 */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20
} as const

/**
 * SETTINGS parameter identifiers (RFC 9113 §6.5.2).
 *
 * @internal
 */
export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6
} as const

/** Size of the fixed frame header (§4.1). @internal */
export const FRAME_HEADER_LENGTH = 9
/** The initial and smallest SETTINGS_MAX_FRAME_SIZE (§6.5.2). @internal */
export const DEFAULT_MAX_FRAME_SIZE = 16_384
/** The largest legal SETTINGS_MAX_FRAME_SIZE (§6.5.2). @internal */
export const MAX_ALLOWED_FRAME_SIZE = 16_777_215
/** The initial flow-control window of a connection and of each stream (§6.9.2). @internal */
export const DEFAULT_WINDOW_SIZE = 65_535
/** The largest flow-control window (§6.9.1). @internal */
export const MAX_WINDOW_SIZE = 2_147_483_647

/**
 * The bytes a client sends first on every connection, before its SETTINGS
 * (RFC 9113 §3.4).
 *
 * @internal
 */
export const CLIENT_PREFACE: Uint8Array = new Uint8Array(
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1")
)

/**
 * DATA (§6.1): body bytes of a stream.
 *
 * @internal
 */
export interface DataFrame {
  readonly _tag: "Data"
  readonly streamId: number
  readonly endStream: boolean
  /** The payload without padding. */
  readonly data: Uint8Array
  /** The whole payload length, padding included: what counts against flow control (§6.9.1). */
  readonly flowLength: number
}

/** Stream dependency fields (§5.3, deprecated by RFC 9113 but still on the wire). @internal */
export interface PrioritySpec {
  readonly exclusive: boolean
  readonly dependency: number
  /** The weight as sent, 0–255 (the effective weight is one more). */
  readonly weight: number
}

/**
 * HEADERS (§6.2): the start of a field block, possibly with priority fields.
 *
 * @internal
 */
export interface HeadersFrame {
  readonly _tag: "Headers"
  readonly streamId: number
  readonly endStream: boolean
  readonly endHeaders: boolean
  readonly priority: PrioritySpec | undefined
  /** A field block fragment, without padding or priority fields. */
  readonly fragment: Uint8Array
}

/**
 * PRIORITY (§6.3): deprecated stream prioritisation, read and ignored.
 *
 * @internal
 */
export interface PriorityFrame {
  readonly _tag: "Priority"
  readonly streamId: number
  readonly priority: PrioritySpec
}

/**
 * RST_STREAM (§6.4): the end of a stream, with an error code.
 *
 * @internal
 */
export interface RstStreamFrame {
  readonly _tag: "RstStream"
  readonly streamId: number
  readonly errorCode: number
}

/** One SETTINGS parameter. @internal */
export interface Setting {
  readonly id: number
  readonly value: number
}

/**
 * SETTINGS (§6.5): parameters of the sender, or the ACK of ours.
 *
 * @internal
 */
export interface SettingsFrame {
  readonly _tag: "Settings"
  readonly ack: boolean
  /** In order of appearance; unknown identifiers are kept (§6.5.2 says to ignore them, which is the consumer's part). */
  readonly settings: ReadonlyArray<Setting>
}

/**
 * PUSH_PROMISE (§6.6): a server push, which a client that disables push rejects.
 *
 * @internal
 */
export interface PushPromiseFrame {
  readonly _tag: "PushPromise"
  readonly streamId: number
  readonly endHeaders: boolean
  readonly promisedStreamId: number
  readonly fragment: Uint8Array
}

/**
 * PING (§6.7): a liveness check or its answer.
 *
 * @internal
 */
export interface PingFrame {
  readonly _tag: "Ping"
  readonly ack: boolean
  /** Always 8 bytes. */
  readonly data: Uint8Array
}

/**
 * GOAWAY (§6.8): the sender is closing the connection.
 *
 * @internal
 */
export interface GoAwayFrame {
  readonly _tag: "GoAway"
  readonly lastStreamId: number
  readonly errorCode: number
  readonly debugData: Uint8Array
}

/**
 * WINDOW_UPDATE (§6.9): more room in a flow-control window.
 *
 * @internal
 */
export interface WindowUpdateFrame {
  readonly _tag: "WindowUpdate"
  readonly streamId: number
  /** 1 to 2^31-1; a zero increment is reported as an error, never as a frame. */
  readonly increment: number
}

/**
 * CONTINUATION (§6.10): the next fragment of a field block.
 *
 * @internal
 */
export interface ContinuationFrame {
  readonly _tag: "Continuation"
  readonly streamId: number
  readonly endHeaders: boolean
  readonly fragment: Uint8Array
}

/**
 * ORIGIN (RFC 8336 §2): the origins the server is authoritative for on this
 * connection. Only read on stream 0; elsewhere it is ignored, as the RFC says.
 *
 * @internal
 */
export interface OriginFrame {
  readonly _tag: "Origin"
  readonly origins: ReadonlyArray<string>
}

/**
 * A frame of one of the ten types RFC 9113 defines, or ORIGIN.
 *
 * @internal
 */
export type Frame =
  | OriginFrame
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoAwayFrame
  | WindowUpdateFrame
  | ContinuationFrame
