/**
 * What the client does, as a stream of events: one place to hang logging,
 * metrics and tracing.
 *
 * A listener given as `Requests.layer({ events })` is called synchronously,
 * from socket callbacks and request fibers alike, so it must be quick and
 * must not throw; to do Effect work with an event, offer it to a `Queue`.
 *
 * Connection events: {@link Dns}, {@link Connected}, {@link TlsHandshake},
 * {@link Adopted}, {@link Coalesced}, {@link Released}. Request events:
 * {@link RequestHeaders}, {@link Reused}, {@link ResponseHeaders},
 * {@link Retried}, {@link Failed}. Battery events (see the `Batteries`
 * module), from the layer's redirects, retries, decompression, cookies and
 * auth: {@link Redirected}, {@link RetryScheduled},
 * {@link RetryBudgetExhausted}, {@link Decompressed}, {@link CookieRejected},
 * {@link Authenticated}.
 *
 * Two events tell of a request sent again, one per layer of retrying:
 * `Retried` is the transport replaying a request no server processed (a
 * stale connection, a refused stream), which is always safe and never
 * waits; `RetryScheduled` is the retry battery deciding to send a request
 * again after a failure or a retryable status, with the reason and the
 * wait before it. One request can see both.
 *
 * @example
 * ```ts
 * Requests.layer({
 *   events: (event) => {
 *     if (event._tag === "Failed") console.warn(event.endpoint, event.error._tag)
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Protocol, RequestsError } from "./Errors.js"
import type { BatteryEvent } from "./internal/batteries/events.js"

export type {
  /** @since 0.1.0 */
  Authenticated,
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  CookieRejected,
  /** @since 0.1.0 */
  Decompressed,
  /** @since 0.1.0 */
  Redirected,
  /** @since 0.1.0 */
  RetryBudgetExhausted,
  /** @since 0.1.0 */
  RetryCause,
  /** @since 0.1.0 */
  RetryScheduled
} from "./internal/batteries/events.js"

/**
 * A host name was resolved before connecting.
 *
 * @since 0.1.0
 */
export interface Dns {
  readonly _tag: "Dns"
  /** `scheme://host:port` of the endpoint. */
  readonly endpoint: string
  readonly host: string
  readonly addresses: ReadonlyArray<string>
}

/**
 * A TCP connection was established.
 *
 * @since 0.1.0
 */
export interface Connected {
  readonly _tag: "Connected"
  readonly endpoint: string
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
}

/**
 * A proxy accepted to carry a connection: the CONNECT tunnel or SOCKS
 * handshake is done (for a forward proxy, the TCP connection to it is up).
 *
 * @since 0.1.0
 */
export interface ProxyConnected {
  readonly _tag: "ProxyConnected"
  /** The endpoint, proxy included. */
  readonly endpoint: string
  /** The proxy, without credentials. */
  readonly proxy: string
  /** `connect` (an HTTP CONNECT tunnel), `forward` (absolute-form requests) or `socks`. */
  readonly mode: "connect" | "forward" | "socks"
  /** From the start of the dial to the proxy until the tunnel was ready. */
  readonly elapsedMillis: number
}

/**
 * A TLS handshake completed.
 *
 * @since 0.1.0
 */
export interface TlsHandshake {
  readonly _tag: "TlsHandshake"
  readonly endpoint: string
  /** What the server chose by ALPN, e.g. `h2`; `undefined` when it chose nothing. */
  readonly alpnProtocol: string | undefined
  /** e.g. `TLSv1.3`. */
  readonly tlsVersion: string | undefined
  /** The handshake resumed an earlier session. */
  readonly resumed: boolean
}

/**
 * A connection the protocol router dialed was taken over by the pool that
 * speaks what the server chose.
 *
 * @since 0.1.0
 */
export interface Adopted {
  readonly _tag: "Adopted"
  readonly endpoint: string
  readonly protocol: Protocol
}

/**
 * An endpoint's requests will ride an HTTP/2 connection opened for another
 * origin that is authoritative for it too (same address, certificate valid
 * for both).
 *
 * @since 0.1.0
 */
export interface Coalesced {
  readonly _tag: "Coalesced"
  readonly endpoint: string
  /** The endpoint the connection was opened for. */
  readonly onto: string
}

/**
 * A connection was closed and its socket released, for any reason.
 *
 * @since 0.1.0
 */
export interface Released {
  readonly _tag: "Released"
  readonly endpoint: string
  readonly protocol: Protocol
  /** Requests (HTTP/1.1) or streams (HTTP/2) it carried. */
  readonly requests: number
}

/**
 * A request is about to be written.
 *
 * @since 0.1.0
 */
export interface RequestHeaders {
  readonly _tag: "RequestHeaders"
  readonly endpoint: string
  readonly protocol: Protocol
  readonly method: string
  /** Path and query. */
  readonly target: string
}

/**
 * A request goes out on a connection that carried earlier ones.
 *
 * @since 0.1.0
 */
export interface Reused {
  readonly _tag: "Reused"
  readonly endpoint: string
  readonly protocol: Protocol
}

/**
 * A response head arrived.
 *
 * @since 0.1.0
 */
export interface ResponseHeaders {
  readonly _tag: "ResponseHeaders"
  readonly endpoint: string
  readonly protocol: Protocol
  readonly status: number
  /** From the request's start to its head, in milliseconds of the client's `Clock`. */
  readonly elapsedMillis: number
}

/**
 * Why a request was sent again.
 *
 * - `StaleConnection`: a reused HTTP/1.1 connection closed before any response byte.
 * - `RefusedStream`: the server refused the stream unprocessed (REFUSED_STREAM).
 * - `GoAway`: the stream was above the last one the server's GOAWAY processes.
 * - `Http11Required`: the server asked for HTTP/1.1 (HTTP_1_1_REQUIRED).
 * - `Misdirected`: `421` on a coalesced connection; sent again on the origin's own.
 * - `ProtocolChanged`: the origin no longer speaks the protocol it chose before; asked again by ALPN.
 *
 * @since 0.1.0
 */
export type RetryReason =
  "StaleConnection" | "RefusedStream" | "GoAway" | "Http11Required" | "Misdirected" | "ProtocolChanged"

/**
 * The transport is sending a request again, on another connection or
 * protocol, because no server processed it. Retries of the retry battery
 * are `RetryScheduled` events.
 *
 * @since 0.1.0
 */
export interface Retried {
  readonly _tag: "Retried"
  readonly endpoint: string
  readonly protocol: Protocol
  readonly reason: RetryReason
}

/**
 * A request failed for good, before a response head.
 *
 * @since 0.1.0
 */
export interface Failed {
  readonly _tag: "Failed"
  readonly endpoint: string
  readonly protocol: Protocol | undefined
  readonly error: RequestsError
}

/**
 * Every event the client reports.
 *
 * @since 0.1.0
 */
export type RequestsEvent =
  | Dns
  | Connected
  | ProxyConnected
  | TlsHandshake
  | Adopted
  | Coalesced
  | Released
  | RequestHeaders
  | Reused
  | ResponseHeaders
  | Retried
  | Failed
  | BatteryEvent

/**
 * Receives the client's events; called synchronously, so it should be quick
 * and must not throw.
 *
 * @since 0.1.0
 */
export type Listener = (event: RequestsEvent) => void
