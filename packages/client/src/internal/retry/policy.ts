/**
 * When an exchange may be sent again, for every cause the transport knows
 * of, decided in one place.
 *
 * Each cause here is one where the server provably did not process the
 * request, or asked for it elsewhere: a reused HTTP/1.1 connection that
 * closed before any response byte (the usual race with a server closing an
 * idle connection), a stream refused or left above a GOAWAY's last stream
 * id, HTTP_1_1_REQUIRED, a 421 on a coalesced connection, and an origin that
 * stopped offering h2. Only a body that can be sent twice (in memory) is
 * ever re-sent.
 *
 * @internal
 */
import type { RequestsError } from "../../Errors.js"
import type { RetryReason } from "../../Events.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import { isIdempotent } from "../exchange/request-body.js"

/** RFC 9113 error codes the policy reads. */
const REFUSED_STREAM = 0x7
const HTTP_1_1_REQUIRED = 0xd

/** RFC 9110 §15.5.20: the connection cannot answer for this origin. */
const MISDIRECTED = 421

/**
 * How many times one exchange may be replayed after GOAWAYs left it
 * unprocessed. Servers that close connections after a number of requests
 * (nginx's `keepalive_requests`) send GOAWAY on every connection in turn, and
 * connections opened together reach their limit together: a replay can meet
 * the next GOAWAY, and the one after. The bound only stops a server that
 * turns everything away from keeping a request forever.
 *
 * @internal
 */
export const MAX_GOAWAY_REPLAYS = 8

/** The choices the policy follows. @internal */
export interface RetryPolicyOptions {
  /**
   * Re-send a non-idempotent request after a stale HTTP/1.1 connection too
   * (the server may have processed it). HTTP/2 refusals are re-sent
   * whatever the method: they prove the request was not processed.
   */
  readonly retryNonIdempotent: boolean
  /** Whether a protocol router can move an origin between protocols. */
  readonly routed: boolean
}

/** What one exchange's attempts have used of their allowance. @internal */
export class Attempts {
  stale = 0
  refused = 0
  goaways = 0
  renewed = 0
  misdirected = 0
  http11 = 0

  /** Counts a retry for the reason; `false` when the reason's allowance is spent. */
  take(reason: RetryReason): boolean {
    switch (reason) {
      case "StaleConnection":
        return this.stale++ < 1
      case "RefusedStream":
        return this.refused++ < 1
      case "GoAway":
        return this.goaways++ < MAX_GOAWAY_REPLAYS
      case "ProtocolChanged":
        return this.renewed++ < 1
      case "Misdirected":
        return this.misdirected++ < 1
      case "Http11Required":
        return this.http11++ < 1
    }
  }
}

/** Why the failed attempt may be sent again, if it may. @internal */
export const failureReason = (
  exchange: Exchange,
  error: RequestsError,
  options: RetryPolicyOptions
): RetryReason | undefined => {
  const inMemory = exchange.body._tag !== "Stream"
  switch (error._tag) {
    case "ClosedError":
      // A stale keep-alive connection shows itself by closing before any byte of the response.
      return inMemory &&
        error.protocol === "http/1.1" &&
        error.reused &&
        !error.responseStarted &&
        (options.retryNonIdempotent || isIdempotent(exchange.method))
        ? "StaleConnection"
        : undefined
    case "StreamResetError":
      if (!inMemory || error.phase === "body") return undefined
      if (error.code === REFUSED_STREAM) return "RefusedStream"
      return error.code === HTTP_1_1_REQUIRED && options.routed ? "Http11Required" : undefined
    case "GoAwayError":
      if (!inMemory || error.phase === "body") return undefined
      if (error.code === HTTP_1_1_REQUIRED && options.routed) return "Http11Required"
      return error.streamId > error.lastStreamId ? "GoAway" : undefined
    case "ProtocolError":
      // Nothing was sent: whatever the method and body, ask the origin again.
      return error.reason === "AlpnMismatch" && options.routed ? "ProtocolChanged" : undefined
    default:
      return undefined
  }
}

/** Why a response must be set aside and the exchange sent again, if it must. @internal */
export const responseReason = (exchange: Exchange, response: ExchangeResponse): RetryReason | undefined =>
  response.head.status === MISDIRECTED && response.coalesced && exchange.body._tag !== "Stream"
    ? "Misdirected"
    : undefined
