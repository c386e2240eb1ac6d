/**
 * The failures the HTTP/2 codec reports, as values.
 *
 * Every check in the codec ends in one of two errors, mirroring the two
 * kinds RFC 9113 §5.4 defines: a connection error ends the connection with
 * a GOAWAY, a stream error ends one stream with a RST_STREAM. Both carry
 * the RFC error code to put on the wire, a stable `reason` to match on and
 * a `detail` for people.
 *
 * @internal
 */
import * as Data from "effect/Data"
import { errorCodeName } from "./error-codes.js"

/**
 * A violation that ends the whole connection (RFC 9113 §5.4.1).
 *
 * @internal
 */
export class H2ConnectionError extends Data.TaggedError("H2ConnectionError")<{
  /** The RFC 9113 §7 error code for the GOAWAY. */
  readonly code: number
  /** A stable, machine-matchable name for the check that failed, e.g. `"FrameTooLarge"`. */
  readonly reason: string
  /** What was wrong, for a log. */
  readonly detail: string
}> {
  override get message(): string {
    return `HTTP/2 connection error ${errorCodeName(this.code)} (${this.reason}): ${this.detail}`
  }
}

/**
 * A violation confined to one stream (RFC 9113 §5.4.2).
 *
 * @internal
 */
export class H2StreamError extends Data.TaggedError("H2StreamError")<{
  readonly streamId: number
  /** The RFC 9113 §7 error code for the RST_STREAM. */
  readonly code: number
  /** A stable, machine-matchable name for the check that failed. */
  readonly reason: string
  /** What was wrong, for a log. */
  readonly detail: string
}> {
  override get message(): string {
    return `HTTP/2 stream ${this.streamId} error ${errorCodeName(this.code)} (${this.reason}): ${this.detail}`
  }
}

/**
 * Builds an {@link H2ConnectionError}.
 *
 * @internal
 */
export const connectionError = (code: number, reason: string, detail: string): H2ConnectionError =>
  new H2ConnectionError({ code, reason, detail })

/**
 * Builds an {@link H2StreamError}.
 *
 * @internal
 */
export const streamError = (streamId: number, code: number, reason: string, detail: string): H2StreamError =>
  new H2StreamError({ streamId, code, reason, detail })

/**
 * Why a stream could not be opened or written to: a local condition, not a
 * protocol violation, so nothing goes on the wire.
 *
 * @internal
 */
export class H2StreamRefused extends Data.TaggedError("H2StreamRefused")<{
  readonly reason:
    | "ConnectionClosed"
    | "GoAway"
    | "MaxConcurrentStreams"
    | "StreamIdsExhausted"
    | "HeaderListTooLarge"
    | "InvalidHeaders"
    | "StreamNotWritable"
  readonly detail: string
}> {
  override get message(): string {
    return `HTTP/2 stream refused (${this.reason}): ${this.detail}`
  }
}
