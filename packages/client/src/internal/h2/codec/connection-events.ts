/**
 * What a {@link ClientConnection} reports from the bytes it receives.
 *
 * @internal
 */
import type { H2StreamError } from "./errors.js"
import type { Setting } from "./frame.js"
import type { HeaderList } from "./hpack-decoder.js"

/**
 * The peer's SETTINGS, now in effect (their ACK is queued).
 *
 * @internal
 */
export interface SettingsEvent {
  readonly _tag: "Settings"
  readonly settings: ReadonlyArray<Setting>
}

/** The peer acknowledged our SETTINGS. @internal */
export interface SettingsAckEvent {
  readonly _tag: "SettingsAck"
}

/**
 * A header section of a response: an interim (1xx) head, the final head, or
 * trailers.
 *
 * @internal
 */
export interface HeadersEvent {
  readonly _tag: "Headers"
  readonly streamId: number
  readonly kind: "interim" | "final" | "trailers"
  /** The :status, or 0 for trailers. */
  readonly status: number
  /** `[name0, value0, …]`, pseudo-headers included. */
  readonly headers: HeaderList
  readonly endStream: boolean
}

/**
 * Body bytes of a response. Hand them back with `consume` once they are
 * used, so the peer may send more.
 *
 * @internal
 */
export interface DataEvent {
  readonly _tag: "Data"
  readonly streamId: number
  readonly data: Uint8Array
  readonly endStream: boolean
}

/**
 * A stream ended abnormally: the peer reset it, its GOAWAY left it
 * unprocessed (REFUSED_STREAM, safe to retry), or we reset it because the
 * peer broke a rule of the stream (`error` says which).
 *
 * @internal
 */
export interface StreamResetEvent {
  readonly _tag: "StreamReset"
  readonly streamId: number
  readonly errorCode: number
  readonly by: "peer" | "goaway" | "local"
  readonly error: H2StreamError | undefined
}

/** The peer is closing the connection; streams above `lastStreamId` were reset with `by: "goaway"` just before. @internal */
export interface GoAwayEvent {
  readonly _tag: "GoAway"
  readonly lastStreamId: number
  readonly errorCode: number
  readonly debugData: Uint8Array
}

/** A PING from the peer (already answered) or the answer to ours. @internal */
export interface PingEvent {
  readonly _tag: "Ping"
  readonly ack: boolean
  readonly data: Uint8Array
}

/** The peer opened a send window: `streamId` 0 for the connection's. @internal */
export interface WindowUpdateEvent {
  readonly _tag: "WindowUpdate"
  readonly streamId: number
}

/** The server listed the origins it is authoritative for (RFC 8336). @internal */
export interface OriginEvent {
  readonly _tag: "Origin"
  readonly origins: ReadonlyArray<string>
}

/**
 * Anything a connection reports, told apart by `_tag`.
 *
 * @internal
 */
export type ConnectionEvent =
  | SettingsEvent
  | SettingsAckEvent
  | HeadersEvent
  | DataEvent
  | StreamResetEvent
  | GoAwayEvent
  | PingEvent
  | WindowUpdateEvent
  | OriginEvent
