/**
 * What an HTTP/2 exchange needs from the connection that carries it.
 *
 * @internal
 */
import type { H2Counters } from "./stats.js"
import type { H2Stream } from "./stream.js"

/** What an exchange needs from the connection that carries it. @internal */
export interface StreamHost {
  /** `scheme://host:port`, for errors. */
  readonly endpointKey: string
  /** Interim (1xx) responses a stream accepts before its final one. */
  readonly maxInterimResponses: number
  /** Largest response header list a stream accepts, as HTTP/2 counts it. */
  readonly maxHeaderListSize: number
  readonly counters: H2Counters
  /** Highest stream id a GOAWAY said the server may process; `Infinity` before any GOAWAY. */
  readonly goawayLastStreamId: number
  readonly goawayCode: number
  /** Whether the session is gone, so a stream closing now closes because of it. */
  readonly sessionGone: boolean
  /** A frame arrived for this connection. */
  markHeard(): void
  /** Data arrived; cheaper than `markHeard`, read by the health check. */
  heard: boolean
  /** The stream no longer occupies a slot. */
  streamEnded(stream: H2Stream): void
  /** A stream saw the session die before the connection did: fail everything now. */
  sessionLost(cause?: unknown): void
}
