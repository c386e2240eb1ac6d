/**
 * The vocabulary of `FaultServer`, shared by its public module and the
 * internal ones that carry faults out: defined here so imports only go
 * from the public module down.
 *
 * @internal
 */

/** The wire protocol a request came over, as its ALPN identifier. @internal @inline */
export type Protocol = "http/1.1" | "h2"

/** A fault the server can inject; `FaultServer.FaultKind` describes each. @internal @inline */
export type FaultKind =
  | "closeAfterResponse"
  | "closeWhenIdle"
  | "goaway"
  | "refuseStream"
  | "resetStream"
  | "stall"
  | "truncateBody"
  | "delayHeaders"
  | "cancelBody"
  | "interimFlood"
  | "earlyResponse"

/** The probability of each fault per request, in [0, 1]. @internal @inline */
export type FaultRates = Readonly<Record<FaultKind, number>>

/** What the server decided for one request arrival. @internal @inline */
export interface Decision {
  /** Position among all arrivals, from 0. */
  readonly index: number
  readonly requestId: string | undefined
  /** Arrivals of the same id before this one: 0 for the first try. */
  readonly attempt: number
  readonly protocol: Protocol
  /** The fault drawn, or `undefined` for a plain answer. */
  readonly fault: FaultKind | undefined
  /** For `delayHeaders` and `closeWhenIdle`: how long the server waits, in ms. */
  readonly delayMillis: number
  /**
   * For `truncateBody` and `cancelBody`: the share of the body sent before the cut, in [0, 1). For
   * `earlyResponse`: below 0.5 the server stops the upload after its answer, from 0.5 it reads on.
   */
  readonly cutAt: number
}

/** A request the server processed, as given to `answer`. @internal @inline */
export interface FaultRequest {
  readonly method: string
  /** The request target, query included. */
  readonly path: string
  readonly requestId: string | undefined
  readonly protocol: Protocol
  /** The whole request body; empty when answered early. */
  readonly body: Buffer
  /** Bytes in the request body: `body`'s, or when answered early the declared `content-length` (0 without one). */
  readonly bodyLength: number
  /** Answered on the request's head, before its body was read (`earlyResponse`). */
  readonly early: boolean
}

/** The answer to a processed request; `content-length` is always set from the body. @internal @inline */
export interface FaultResponse {
  /** Default `200`. */
  readonly status?: number
  /** Lower-case names. */
  readonly headers?: Readonly<Record<string, string>>
  readonly body: string | Uint8Array
}
