/**
 * What the HTTP/2 pool is asked to send and what it answers.
 *
 * @since 0.1.0
 */
import type { PreparedBody } from "../exchange/request-body.js"
import type { ResponseBody, ResponseHeadLike } from "../exchange/response.js"

/**
 * A request for the HTTP/2 pool.
 *
 * @since 0.1.0
 */
export interface H2Request {
  readonly method: string
  /** The request target: pathname and search. */
  readonly path: string
  /** The endpoint's authority, sent as `:authority`. */
  readonly authority: string
  /**
   * Field names in lower case. Connection-specific fields (connection,
   * keep-alive, transfer-encoding, upgrade, host, proxy-connection) are
   * dropped, as HTTP/2 forbids them.
   */
  readonly headers: Record<string, string>
  /**
   * The body. `Empty` and `Bytes` are replay-safe: they are sent again after
   * a GOAWAY that the request was above, or after REFUSED_STREAM. A `Stream`
   * body is sent once.
   */
  readonly body: PreparedBody
}

/**
 * The pool's answer: a head, and a body read from the stream on demand.
 *
 * @since 0.1.0
 */
export interface H2Response {
  /** Status, lower-case fields (repeated ones joined with ", "), and every Set-Cookie value. */
  readonly head: ResponseHeadLike
  readonly body: ResponseBody
  readonly remoteAddress: string | undefined
  /** Carried by a connection opened for another origin (see `coalescing`). */
  readonly coalesced?: boolean
}
