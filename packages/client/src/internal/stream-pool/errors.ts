/**
 * The stream pool's typed errors.
 *
 * @internal
 */
import * as Data from "effect/Data"

/**
 * `get` was asked for an ID the pool cannot hand out:
 *
 * - `MalformedId`: not an 8-hex-digit ID;
 * - `Closed`: the stream was opened and named, but closed before it was
 *   taken (the server reset it, `flush` closed it, or its connection died);
 * - `PoolClosed`: the pool is closed.
 */
export class StreamNotFound extends Data.TaggedError("StreamNotFound")<{
  readonly id: string
  readonly reason: "MalformedId" | "Closed" | "PoolClosed"
}> {
  override get message(): string {
    return `stream ${JSON.stringify(this.id)} not found: ${this.reason}`
  }
}

/** The server refused or failed to open a pooled stream, or the connection carrying streams died. */
export class StreamPoolError extends Data.TaggedError("StreamPoolError")<{
  /** `host:port` of the peer, when known. */
  readonly address: string
  readonly reason:
    | "Resolve"
    | "Connect"
    | "Refused"
    | "OverCapacity"
    | "Malformed"
    | "KeepAliveTimeout"
    | "ConnectionLost"
    | "GoAway"
    | "Open"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `stream pool (${this.address}): ${this.reason}: ${this.detail}`
  }
}
