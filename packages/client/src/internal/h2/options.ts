/**
 * Options of the HTTP/2 pool, given as `h2` in `Requests.layer`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

/**
 * Options of the HTTP/2 connection pool. Every field is optional; durations
 * accept anything `Duration.decode` does, including `Duration.infinity` to turn
 * a timer off.
 *
 * @since 0.1.0
 */
export interface H2Options {
  /**
   * Connections opened to one endpoint when every open one is full. Default `4`.
   *
   * Servers usually allow 100 to 250 streams per connection, so one connection
   * is almost always enough; a few more help only against a server with a
   * small limit, and each extra one costs the server a TLS session and its
   * memory. Four lets a client facing a 10-stream server keep 40 requests in
   * flight while staying a polite single-digit load on the server.
   */
  readonly maxConnectionsPerEndpoint?: number
  /**
   * Keep a single connection per endpoint and queue requests beyond the
   * server's stream limit instead of opening more. Default `false`.
   */
  readonly strictMaxConcurrentStreams?: boolean
  /**
   * Longest a request waits in the queue for a stream slot. Default `30 seconds`:
   * long enough to ride out a burst, short enough to surface a stuck endpoint.
   */
  readonly acquireTimeout?: Duration.DurationInput
  /**
   * Longest a new connection waits for the server's first SETTINGS frame,
   * and for its acknowledgement of ours. Default `10 seconds`, the dialer's
   * own connect and TLS deadlines: a server that completed the handshake
   * but sends no preface, or never applies our SETTINGS, is broken.
   */
  readonly settingsTimeout?: Duration.DurationInput
  /**
   * A PING is sent when nothing was heard from the server for this long.
   * Default `30 seconds`: under the common 60-second idle timeouts of NATs and
   * load balancers, so an idle connection stays reachable, and a dead peer is
   * found within `pingInterval + pingTimeout` instead of on the next request.
   */
  readonly pingInterval?: Duration.DurationInput
  /**
   * Longest wait for a PING's acknowledgement before the connection is
   * declared dead. Default `10 seconds`: a PONG can queue behind a large
   * window of DATA on a slow link, yet a peer silent for longer is gone.
   */
  readonly pingTimeout?: Duration.DurationInput
  /**
   * A connection that has been silent for this long is pinged before it
   * carries a new request, so a request is not lost on a peer that vanished
   * while the connection sat unused. Default `15 seconds`: half the typical
   * idle timeout of middleboxes, and one round trip is a small price after
   * that much quiet.
   */
  readonly pingBeforeReuseAfter?: Duration.DurationInput
  /**
   * A connection with no stream for this long is closed with GOAWAY.
   * Default `90 seconds`, as Go's transport: long enough to serve the next
   * burst, short enough not to hold server resources for nothing.
   */
  readonly idleTimeout?: Duration.DurationInput
  /**
   * Receive window of each stream (SETTINGS_INITIAL_WINDOW_SIZE), in bytes.
   * Default `1 MiB`: about 80 Mbit/s per stream at 100 ms round trip, while a
   * reader that stops reading holds at most this much per stream.
   */
  readonly initialWindowSize?: number
  /**
   * Receive window of the whole connection, in bytes. Default `16 MiB`, so
   * sixteen streams can have full windows in flight and one big download
   * cannot starve the others.
   */
  readonly connectionWindowSize?: number
  /**
   * Response bytes buffered for a reader that has not caught up before the
   * stream is paused, which stops its window updates. Default `65536`, as
   * the HTTP/1.1 pool.
   */
  readonly highWaterMark?: number
  /**
   * Largest response header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE),
   * in bytes as HTTP/2 counts them. Default `65536`: room for large cookies
   * and tokens, a bound on what a hostile server can make us hold. It is
   * advertised in SETTINGS and enforced on every response head: a larger
   * one fails with a `LimitExceededError` (`limit: "maxHeaderListSize"`) and
   * the stream is cancelled.
   */
  readonly maxHeaderListSize?: number
  /**
   * Most interim (1xx) responses a stream accepts before its final one;
   * one more fails the exchange with a `LimitExceededError` (`limit:
   * "maxInterimResponses"`) and resets the stream with CANCEL. Each block is
   * bounded by `maxHeaderListSize`, so together they are too. Default `16`.
   */
  readonly maxInterimResponses?: number
  /**
   * Carry requests for another `https` origin on an open connection that is
   * authoritative for it too: the origin's host resolves to the connection's
   * address, on the same port, and the connection's verified certificate
   * names it (an ORIGIN frame from the server, when one came, must list it
   * as well). Saves a handshake per origin, as browsers do. Default `true`;
   * never done when certificate verification is off.
   */
  readonly coalescing?: boolean
  /**
   * Longest wait for a stream's response head once its request is sent,
   * with nothing heard on the stream; a `TimeoutError` in phase `headers`
   * and the stream is cancelled. Default `300 seconds`, as undici. Checked
   * by the pool's housekeeping, at most two rounds late (a round is at most
   * 5 seconds, and at most a quarter of this). Set it per request with
   * `Timeouts.withHeadersTimeout`.
   */
  readonly headersTimeout?: Duration.DurationInput
  /**
   * Longest time a stream makes no progress once its head arrived (no DATA
   * while its reader waits) or while its request body is being sent (a
   * zero flow-control window, say); a `TimeoutError` in phase `body` or
   * `request`, and the stream is cancelled. A reader that stops reading
   * pauses the clock. Default `300 seconds`, as undici's `bodyTimeout`.
   * Set it per request with `Timeouts.withBodyTimeout`.
   */
  readonly bodyTimeout?: Duration.DurationInput
  /**
   * When the pool's scope closes, how long streams in flight may take to
   * finish after GOAWAY before their connections are cut. Default `5 seconds`,
   * as the HTTP/1.1 pool's `closeTimeout`.
   */
  readonly closeTimeout?: Duration.DurationInput
  /**
   * What speaks HTTP/2 on the pool's sockets. Default `"own"`: the client's
   * own sans-IO engine, which checks every frame itself and says which side
   * reset a stream or ended a connection, and why. `"node"` uses
   * `node:http2` instead, for a server our engine does not get along with.
   */
  readonly engine?: "own" | "node"
}

/**
 * The options with every default applied and durations in milliseconds.
 *
 * @internal
 */
export interface ResolvedH2Options {
  readonly maxConnectionsPerEndpoint: number
  readonly strictMaxConcurrentStreams: boolean
  readonly acquireTimeout: number
  readonly settingsTimeout: number
  readonly pingInterval: number
  readonly pingTimeout: number
  readonly pingBeforeReuseAfter: number
  readonly idleTimeout: number
  readonly initialWindowSize: number
  readonly connectionWindowSize: number
  readonly highWaterMark: number
  readonly maxHeaderListSize: number
  readonly maxInterimResponses: number
  readonly coalescing: boolean
  readonly closeTimeout: number
  readonly headersTimeout: number
  readonly bodyTimeout: number
  readonly engine: "own" | "node"
}

const millis = (input: Duration.DurationInput | undefined, fallback: Duration.DurationInput): number =>
  Duration.toMillis(input ?? fallback)

/** @internal */
export const resolveOptions = (options: H2Options = {}): ResolvedH2Options => ({
  maxConnectionsPerEndpoint: Math.max(1, options.maxConnectionsPerEndpoint ?? 4),
  strictMaxConcurrentStreams: options.strictMaxConcurrentStreams ?? false,
  acquireTimeout: millis(options.acquireTimeout, "30 seconds"),
  settingsTimeout: millis(options.settingsTimeout, "10 seconds"),
  pingInterval: millis(options.pingInterval, "30 seconds"),
  pingTimeout: millis(options.pingTimeout, "10 seconds"),
  pingBeforeReuseAfter: millis(options.pingBeforeReuseAfter, "15 seconds"),
  idleTimeout: millis(options.idleTimeout, "90 seconds"),
  initialWindowSize: options.initialWindowSize ?? 1024 * 1024,
  connectionWindowSize: options.connectionWindowSize ?? 16 * 1024 * 1024,
  highWaterMark: options.highWaterMark ?? 64 * 1024,
  maxHeaderListSize: options.maxHeaderListSize ?? 64 * 1024,
  maxInterimResponses: options.maxInterimResponses ?? 16,
  coalescing: options.coalescing ?? true,
  closeTimeout: millis(options.closeTimeout, "5 seconds"),
  headersTimeout: millis(options.headersTimeout, "300 seconds"),
  bodyTimeout: millis(options.bodyTimeout, "300 seconds"),
  engine: options.engine ?? "own"
})
