/**
 * The HTTP/1.1 deadlines after a connection is up: `headersTimeout` while
 * the response head is awaited, `bodyTimeout` while a body stops making
 * progress in either direction. The pool's housekeeping looks at every
 * connection once a round, so a request pays a field write, not a timer.
 *
 * @internal
 */
import { TimeoutError } from "../../Errors.js"
import { roundFor } from "../pool/stall-round.js"
import type { H1Connection } from "./connection.js"

/** The deadlines, in ms. @internal */
export interface StallOptions {
  readonly headersTimeout: number
  readonly bodyTimeout: number
}

/**
 * How often the housekeeping must look for the deadlines to fire at most
 * two rounds late: a quarter of the shortest, within `[100, 5000]` ms.
 *
 * @internal
 */
export const stallRound = (options: StallOptions): number =>
  roundFor(options.headersTimeout, options.bodyTimeout)

/**
 * Fails and closes the connection when its oldest exchange made no
 * progress for longer than the deadline of its phase: the exchange's own
 * (`Timeouts`), or the pool's.
 *
 * @internal
 */
export const checkStall = (connection: H1Connection, now: number, options: StallOptions): void => {
  if (connection.closed) return
  const exchange = connection.oldest
  // A reader that stopped reading paused the socket: the server is not the one stalling.
  if (connection.heard || exchange === undefined || exchange.settled || connection.socket.isPaused()) {
    connection.heard = false
    connection.lastHeard = now
    return
  }
  const phase = connection.uploading ? "request" : exchange.head === undefined ? "headers" : "body"
  const own = exchange.stall
  const limit =
    phase === "headers"
      ? (own?.headersTimeout ?? options.headersTimeout)
      : (own?.bodyTimeout ?? options.bodyTimeout)
  if (now - connection.lastHeard < limit) return
  connection.terminate(
    new TimeoutError({
      endpoint: connection.endpoint.key,
      phase,
      protocol: "http/1.1",
      timeoutMillis: limit
    })
  )
}
