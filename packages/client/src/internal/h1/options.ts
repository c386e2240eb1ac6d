/**
 * Options of the HTTP/1.1 pool, given as `h1` in `Requests.layer`.
 *
 * @since 0.1.0
 */
import type * as net from "node:net"
import * as Duration from "effect/Duration"

/**
 * Options of the HTTP/1.1 pool. Every field is optional.
 *
 * @since 0.1.0
 */
export interface H1Options {
  /** Connections open at once to one endpoint. Default `10`. */
  readonly maxConnectionsPerEndpoint?: number
  /** Connections open at once across all endpoints; the least recently used idle one is closed to make room. Default: no limit. */
  readonly maxConnections?: number
  /** An idle connection is closed after this long. Default `30 seconds`. */
  readonly idleTimeout?: Duration.DurationInput
  /** A connection is retired after this long, busy or not (it finishes its exchange first). Default: no limit. */
  readonly maxLifetime?: Duration.DurationInput
  /** A connection is retired after this many exchanges. Default: no limit. */
  readonly maxUses?: number
  /** Deadline for a request to get a connection (waiting and dialing); a `TimeoutError` in phase `acquire`. Default `30 seconds`. */
  readonly acquireTimeout?: Duration.DurationInput
  /**
   * Requests written ahead on one connection before the first is answered.
   * `1` turns pipelining off. Only idempotent requests with in-memory bodies
   * are pipelined unless `pipelineNonIdempotent` is set. Default `1`.
   */
  readonly pipelining?: number
  /** Pipeline requests whose method is not idempotent too. Default `false`. */
  readonly pipelineNonIdempotent?: boolean
  /**
   * Re-send a request that is not idempotent (POST, PATCH) when a reused
   * connection closed before any byte of its response arrived, provided its
   * body is in memory. The server may have processed it: turn this on only
   * for requests that are safe to repeat. Idempotent requests are always
   * re-sent once in that case. Default `false`.
   */
  readonly retryNonIdempotent?: boolean
  /** How long closing the layer waits for requests in flight before closing their connections. Default `5 seconds`. */
  readonly closeTimeout?: Duration.DurationInput
  /**
   * Already open sockets to use for given endpoints, keyed by `host:port`:
   * no DNS, no dialing, one request at a time, never closed by the client
   * and never used for another endpoint.
   */
  readonly sockets?: Readonly<Record<string, net.Socket>>
  /** Largest response head (status line and header fields) accepted, in bytes. Default `16384`. */
  readonly maxHeaderBytes?: number
  /** Most header fields accepted in a response head, and in its trailers. Default `100`. */
  readonly maxHeaderCount?: number
  /**
   * Most interim (1xx) responses accepted before the final one; one more
   * fails the exchange with a `LimitExceededError` (`limit:
   * "maxInterimResponses"`) and closes the connection. Their heads count
   * against `maxHeaderBytes` together with the final head. Default `16`:
   * a `100 Continue` and a few `103 Early Hints` are all a server needs.
   */
  readonly maxInterimResponses?: number
  /** Response bytes buffered for a reader that has not caught up before reading from the socket pauses. Default `65536`. */
  readonly highWaterMark?: number
  /**
   * Longest wait for the response head once the request is written, with
   * nothing heard from the server; a `TimeoutError` in phase `headers`, and
   * the connection is closed. Default `300 seconds`, as undici. Checked by
   * the pool's housekeeping, so it may fire up to two of its rounds late
   * (a round is at most 5 seconds, and at most a quarter of this). Set it
   * per request with `Timeouts.withHeadersTimeout`.
   */
  readonly headersTimeout?: Duration.DurationInput
  /**
   * Longest time without progress once the head has arrived (no body byte
   * while the reader waits) or while a streamed request body is being sent
   * (no chunk accepted by the socket); a `TimeoutError` in phase `body` or
   * `request`. A reader that stops reading pauses the clock. Default
   * `300 seconds`, as undici's `bodyTimeout`; checked like `headersTimeout`.
   * Set it per request with `Timeouts.withBodyTimeout`.
   */
  readonly bodyTimeout?: Duration.DurationInput
}

/** @internal */
export interface ResolvedH1Options {
  readonly maxConnectionsPerEndpoint: number
  readonly maxConnections: number
  readonly idleTimeout: number
  readonly maxLifetime: number
  readonly maxUses: number
  readonly acquireTimeout: number
  readonly pipelining: number
  readonly pipelineNonIdempotent: boolean
  readonly retryNonIdempotent: boolean
  readonly closeTimeout: number
  readonly sockets: Readonly<Record<string, net.Socket>>
  readonly parserLimits: {
    readonly maxHeaderBytes: number
    readonly maxHeaderCount: number
    readonly maxInterimResponses: number
  }
  readonly highWaterMark: number
  readonly headersTimeout: number
  readonly bodyTimeout: number
}

const millis = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(input)

const atLeastOne = (n: number | undefined, fallback: number): number =>
  n === undefined ? fallback : Math.max(1, Math.floor(n))

/** @internal */
export const resolveH1Options = (options: H1Options = {}): ResolvedH1Options => ({
  maxConnectionsPerEndpoint: atLeastOne(options.maxConnectionsPerEndpoint, 10),
  maxConnections: atLeastOne(options.maxConnections, Number.POSITIVE_INFINITY),
  idleTimeout: millis(options.idleTimeout, 30_000),
  maxLifetime: millis(options.maxLifetime, Number.POSITIVE_INFINITY),
  maxUses: atLeastOne(options.maxUses, Number.POSITIVE_INFINITY),
  acquireTimeout: millis(options.acquireTimeout, 30_000),
  pipelining: atLeastOne(options.pipelining, 1),
  pipelineNonIdempotent: options.pipelineNonIdempotent ?? false,
  retryNonIdempotent: options.retryNonIdempotent ?? false,
  closeTimeout: millis(options.closeTimeout, 5_000),
  sockets: options.sockets ?? {},
  parserLimits: {
    maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
    maxHeaderCount: options.maxHeaderCount ?? 100,
    maxInterimResponses: options.maxInterimResponses ?? 16
  },
  highWaterMark: options.highWaterMark ?? 64 * 1024,
  headersTimeout: millis(options.headersTimeout, 300_000),
  bodyTimeout: millis(options.bodyTimeout, 300_000)
})

/**
 * How long an idle connection may still be reused, given the server's
 * `Keep-Alive: timeout` hint: the hint less a margin for the request's trip,
 * so that the client stops first and never writes into a closing socket.
 *
 * @internal
 */
export const reuseWindow = (idleTimeout: number, hint: number | undefined): number => {
  if (hint === undefined) return idleTimeout
  const margin = Math.min(1_000, hint / 2)
  return Math.min(idleTimeout, hint - margin)
}
