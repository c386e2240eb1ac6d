/**
 * The typed failures of effect-requests.
 *
 * Every error names the endpoint it concerns and the phase of the exchange it
 * happened in, so a caller can decide what to do (retry, report, fail over)
 * with `Effect.catchTag` alone. At the `HttpClient` boundary they travel as the
 * `cause` of @effect/platform's `RequestError` / `ResponseError`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Wire protocol an exchange used, as its ALPN identifier.
 *
 * @since 0.1.0
 */
export type Protocol = "http/1.1" | "h2"

/**
 * Where in the life of a request something went wrong.
 *
 * - `dns`, `connect`, `tls`: establishing the transport.
 * - `acquire`: waiting for a connection or a stream slot.
 * - `settings`: waiting for the peer's first HTTP/2 SETTINGS.
 * - `request`: writing the request head or body.
 * - `headers`: waiting for or parsing the response head.
 * - `body`: reading the response body.
 * - `idle`: while a connection sat unused in a pool.
 * - `proxy`: the handshake with a proxy (CONNECT or SOCKS).
 *
 * @since 0.1.0
 */
export type Phase =
  "dns" | "connect" | "tls" | "acquire" | "settings" | "request" | "headers" | "body" | "idle" | "proxy"

/**
 * The TCP connection could not be established (refused, unreachable, DNS).
 *
 * @since 0.1.0
 */
export class ConnectError extends Data.TaggedError("ConnectError")<{
  /** `scheme://host:port` of the endpoint. */
  readonly endpoint: string
  readonly phase: "dns" | "connect"
  /** Node's error code when there is one, e.g. `ECONNREFUSED`. */
  readonly code: string | undefined
  readonly cause: unknown
}> {
  override get message(): string {
    return `${this.phase} failed for ${this.endpoint}${this.code ? ` (${this.code})` : ""}`
  }
}

/**
 * The TLS handshake failed: certificate rejected, protocol mismatch, alert.
 *
 * @since 0.1.0
 */
export class TlsError extends Data.TaggedError("TlsError")<{
  readonly endpoint: string
  /** Node's or OpenSSL's error code, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, or `ERR_PIN_MISMATCH`. */
  readonly code: string | undefined
  readonly cause: unknown
  /** For `ERR_PIN_MISMATCH`: the pins configured for the host and the one the server presented. */
  readonly pins?: { readonly expected: ReadonlyArray<string>; readonly presented: string }
}> {
  readonly phase = "tls" as const
  override get message(): string {
    if (this.pins !== undefined) {
      return `TLS handshake failed for ${this.endpoint}: public key sha256/${this.pins.presented} matches none of the pins ${this.pins.expected.map((p) => `sha256/${p}`).join(", ")}`
    }
    return `TLS handshake failed for ${this.endpoint}${this.code ? ` (${this.code})` : ""}`
  }
}

/**
 * A proxy refused to carry the connection: a CONNECT answered with a status
 * other than 2xx (e.g. `407` when it wants credentials, `403`, `502`), or a
 * SOCKS server that replied with an error. (A plain-http request sent to a
 * forward proxy gets the proxy's answer, a 407 included, as its response.)
 *
 * @since 0.1.0
 */
export class ProxyError extends Data.TaggedError("ProxyError")<{
  /** The endpoint the connection was for, proxy included. */
  readonly endpoint: string
  /** The proxy, without credentials, e.g. `http://127.0.0.1:3128`. */
  readonly proxy: string
  /** The proxy's HTTP status; `undefined` for SOCKS. */
  readonly status: number | undefined
  /** Why, e.g. `Proxy Authentication Required` or the SOCKS reply, e.g. `ConnectionRefused`. */
  readonly reason: string
  readonly cause: unknown
}> {
  readonly phase = "proxy" as const
  override get message(): string {
    return `proxy ${this.proxy} refused ${this.endpoint}: ${this.status !== undefined ? `${this.status} ` : ""}${this.reason}`
  }
}

/**
 * A configured deadline passed.
 *
 * @since 0.1.0
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{
  readonly endpoint: string
  readonly phase: Phase
  readonly protocol: Protocol | undefined
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMillis: number
}> {
  override get message(): string {
    return `${this.phase} timed out after ${this.timeoutMillis} ms for ${this.endpoint}`
  }
}

/**
 * The peer broke the protocol: a malformed status line or header, a bad
 * chunk size, conflicting framing, a header section over the limit.
 *
 * @since 0.1.0
 */
export class ProtocolError extends Data.TaggedError("ProtocolError")<{
  readonly endpoint: string
  readonly protocol: Protocol
  readonly phase: Phase
  /** A stable machine-readable reason, e.g. `InvalidStatusLine`. */
  readonly reason: string
  readonly detail: string
}> {
  override get message(): string {
    return `${this.protocol} protocol error from ${this.endpoint} in ${this.phase}: ${this.reason} (${this.detail})`
  }
}

/**
 * The peer closed or reset the connection before the exchange completed.
 *
 * `responseStarted` tells whether any byte of the response had arrived: when
 * it had not, the server may not have processed the request, and a
 * replay-safe request can be retried.
 *
 * @since 0.1.0
 */
export class ClosedError extends Data.TaggedError("ClosedError")<{
  readonly endpoint: string
  readonly protocol: Protocol
  readonly phase: Phase
  /** Whether the connection had carried an earlier exchange. */
  readonly reused: boolean
  readonly responseStarted: boolean
  readonly cause: unknown
}> {
  override get message(): string {
    const started = this.responseStarted ? "" : " (before any response byte)"
    const cause = this.cause
    // Node's own HTTP/2 layer (flood and protocol checks) ends sessions too: say so, and why.
    if (cause instanceof Error && "code" in cause && String(cause.code).startsWith("ERR_HTTP2")) {
      return `connection to ${this.endpoint} closed by the client during ${this.phase}${started}: ${cause.message}`
    }
    return `connection to ${this.endpoint} closed by peer during ${this.phase}${started}${cause instanceof Error ? `: ${cause.message}` : ""}`
  }
}

/**
 * The request body could not be produced (its stream failed).
 *
 * @since 0.1.0
 */
export class RequestBodyError extends Data.TaggedError("RequestBodyError")<{
  readonly endpoint: string
  readonly cause: unknown
}> {
  readonly phase = "request" as const
  override get message(): string {
    return `request body for ${this.endpoint} failed`
  }
}

/**
 * The request could not be sent as given: a header name or value with CR, LF
 * or NUL, an invalid method token, an unsupported URL. Raised before any byte
 * is written.
 *
 * @since 0.1.0
 */
export class InvalidRequestError extends Data.TaggedError("InvalidRequestError")<{
  readonly reason: "InvalidHeaderName" | "InvalidHeaderValue" | "InvalidMethod" | "InvalidUrl" | "InvalidBody"
  readonly detail: string
}> {
  override get message(): string {
    return `invalid request: ${this.reason} (${this.detail})`
  }
}

/**
 * The client, or the pool the request needed, was shut down.
 *
 * @since 0.1.0
 */
export class ClientClosedError extends Data.TaggedError("ClientClosedError")<{
  readonly endpoint: string
}> {
  override get message(): string {
    return `client closed while a request to ${this.endpoint} was pending`
  }
}

/**
 * Any failure effect-requests can produce.
 *
 * @since 0.1.0
 */
export type RequestsError =
  | ConnectError
  | TlsError
  | ProxyError
  | TimeoutError
  | ProtocolError
  | ClosedError
  | RequestBodyError
  | InvalidRequestError
  | ClientClosedError
  | GoAwayError
  | StreamResetError
  | LimitExceededError

/**
 * The HTTP/2 peer sent GOAWAY and the stream could not complete because of
 * it: either it was above `lastStreamId` (never processed) and its body could
 * not be sent again, or the GOAWAY carried an error code and the session was
 * torn down under it.
 *
 * `streamId > lastStreamId` tells that the server did not process the
 * request, so it is safe to send again by other means.
 *
 * @since 0.1.0
 */
export class GoAwayError extends Data.TaggedError("GoAwayError")<{
  readonly endpoint: string
  /** The GOAWAY error code, e.g. `0`. */
  readonly code: number
  /** Its RFC 9113 name, e.g. `NO_ERROR`, or `UNKNOWN_0x…` for codes outside the registry. */
  readonly codeName: string
  /** The highest stream the server says it may have processed. */
  readonly lastStreamId: number
  /** The stream this request used; `0` when it never got one. */
  readonly streamId: number
  readonly phase: Phase
}> {
  readonly protocol = "h2" as const
  override get message(): string {
    return `GOAWAY ${this.codeName} (last stream ${this.lastStreamId}) from ${this.endpoint} ended stream ${this.streamId} during ${this.phase}`
  }
}

/**
 * The HTTP/2 peer reset the stream with RST_STREAM: `REFUSED_STREAM` after
 * the one safe retry, `INTERNAL_ERROR`, `HTTP_1_1_REQUIRED` and so on.
 *
 * @since 0.1.0
 */
export class StreamResetError extends Data.TaggedError("StreamResetError")<{
  readonly endpoint: string
  /** The RST_STREAM error code, e.g. `2`. */
  readonly code: number
  /** Its RFC 9113 name, e.g. `INTERNAL_ERROR`, or `UNKNOWN_0x…` for codes outside the registry. */
  readonly codeName: string
  readonly phase: Phase
}> {
  readonly protocol = "h2" as const
  override get message(): string {
    return `stream reset by ${this.endpoint} with ${this.codeName} during ${this.phase}`
  }
}

/**
 * A response went past one of the client's limits: a body larger than
 * `maxBodySize` for a buffered read, more interim (1xx) responses than
 * `maxInterimResponses`, an HTTP/2 head over `maxHeaderListSize`. The exchange is abandoned and its connection (or
 * HTTP/2 stream) closed, so the rest is never read.
 *
 * @since 0.1.0
 */
export class LimitExceededError extends Data.TaggedError("LimitExceededError")<{
  readonly endpoint: string
  readonly protocol: Protocol
  readonly phase: Phase
  /** The option that set the limit, e.g. `maxBodySize`. */
  readonly limit: "maxBodySize" | "maxInterimResponses" | "maxHeaderListSize"
  /** Its value. */
  readonly value: number
  readonly detail: string
}> {
  override get message(): string {
    return `${this.limit} (${this.value}) exceeded by ${this.endpoint} in ${this.phase}: ${this.detail}`
  }
}
