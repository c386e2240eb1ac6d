/**
 * Stream pools over one HTTP/2 connection: a client keeps full-duplex
 * streams to a server open ahead of need, the server names each with an
 * 8-hex-digit ID and hands it to the application, which tells the client
 * that ID (over a stream of its own, say); the client takes the same stream
 * by ID. Each stream is an `@effect/platform` `Socket` and a node `Duplex`.
 *
 * A stream is an RFC 8441 extended CONNECT when the server enables it, a
 * POST with a streaming body otherwise.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { TimeoutError } from "./Errors.js"
import { lazyImport } from "./internal/lazy/modules.js"
import type { StreamNotFound, StreamPoolError } from "./internal/stream-pool/errors.js"
import type { PoolStats, PooledStream } from "./internal/stream-pool/pooled-stream.js"
import type { Windows } from "./internal/stream-pool/protocol.js"

// The pools are loaded by their first use, so that importing the client does not load
// node:http2 and the platform's socket modules for them.
const clientModule = lazyImport(() => import("./internal/stream-pool/client.js"))
const serverModule = lazyImport(() => import("./internal/stream-pool/server.js"))

export {
  /** @since 0.1.0 */
  StreamNotFound,
  /** @since 0.1.0 */
  StreamPoolError
} from "./internal/stream-pool/errors.js"
export type {
  /** @since 0.1.0 */
  PoolStats,
  /** @since 0.1.0 */
  PooledStream
} from "./internal/stream-pool/pooled-stream.js"

/**
 * TLS of a client pool. Certificates are verified against the system roots
 * (or `ca`) unless `insecure` is set.
 *
 * @since 0.1.0
 */
export interface ClientTls {
  /** Trusted CA certificates (PEM). Default: node's bundled roots. */
  readonly ca?: string | Buffer
  /** Name to verify the certificate for. Default: the host `resolve` gave. */
  readonly servername?: string
  /** Skip verification. Default `false`; for development against self-signed certificates only. */
  readonly insecure?: boolean
  /** Client certificate and key (PEM), for servers that ask for one. */
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
}

/**
 * Options of {@link client}.
 *
 * @since 0.1.0
 */
export interface ClientOptions {
  /** The next `host:port` to connect to, asked again on every reconnect (failover, round robin). */
  readonly resolve: Effect.Effect<string, unknown>
  /** Fewest streams kept open. Default `4`. */
  readonly minCapacity?: number
  /** Most streams kept open. Default `64`. */
  readonly maxCapacity?: number
  /** Shortest time between creation rounds, and the first reconnect delay. Default `100 millis`. */
  readonly minInterval?: Duration.DurationInput
  /** Longest time between creation rounds, and the longest reconnect delay. Default `5 seconds`. */
  readonly maxInterval?: Duration.DurationInput
  /** PING period; a PING not answered within it marks the connection dead. Default `30 seconds`. */
  readonly keepAlive?: Duration.DurationInput
  /** TLS settings. Default: TLS, verified. */
  readonly tls?: ClientTls
  /** Plain-text HTTP/2 with prior knowledge, for tests on loopback. Default `false`. */
  readonly h2c?: boolean
  /** Bound on connecting and on a stream being named. Default `10 seconds`. */
  readonly openTimeout?: Duration.DurationInput
  /**
   * SETTINGS_INITIAL_WINDOW_SIZE: bytes one stream may have in flight to
   * this end, so also what a stream whose reader stops leaves buffered.
   * Default `1048576` (1 MiB; node's own 64 KiB stalls a tunnelled
   * transfer on WINDOW_UPDATEs).
   */
  readonly initialWindowSize?: number
  /** Bytes all streams together may have in flight to this end. Default `16777216` (16 MiB). */
  readonly connectionWindowSize?: number
  /** How long streams in flight may finish after the pool's scope closes. Default `5 seconds`. */
  readonly drainTimeout?: Duration.DurationInput
  /** Hears every error the pool meets (also logged at warning level and counted). */
  readonly onError?: (error: StreamPoolError) => void
}

/**
 * Options of {@link server}.
 *
 * @since 0.1.0
 */
export interface ServerOptions {
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string
  /** Port to listen on; `0` picks a free one. Default `0`. */
  readonly port?: number
  /** Certificate and key (PEM). Required unless `h2c` is set. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer }
  /** Plain-text HTTP/2, for tests on loopback. Default `false`. */
  readonly h2c?: boolean
  /** Most streams waiting to be taken; further opens are refused with REFUSED_STREAM. Default `64`. */
  readonly maxCapacity?: number
  /** Client addresses and CIDR blocks (IPv4, IPv6) allowed to connect. Default: any. */
  readonly allowedClients?: ReadonlyArray<string>
  /** PING period; a client silent for a whole period is disconnected. Default `30 seconds`. */
  readonly keepAlive?: Duration.DurationInput
  /** Announce RFC 8441 extended CONNECT. Default `true`; `false` makes clients use POST. */
  readonly extendedConnect?: boolean
  /**
   * SETTINGS_INITIAL_WINDOW_SIZE: bytes one stream may have in flight to
   * this end, so also what a stream whose reader stops leaves buffered.
   * Default `1048576` (1 MiB; node's own 64 KiB stalls a tunnelled
   * transfer on WINDOW_UPDATEs).
   */
  readonly initialWindowSize?: number
  /** Bytes all streams together may have in flight to this end. Default `16777216` (16 MiB). */
  readonly connectionWindowSize?: number
  /** How long streams in flight may finish after the pool's scope closes. Default `5 seconds`. */
  readonly drainTimeout?: Duration.DurationInput
  /** Hears every refused client, refused or malformed open and lost connection (also logged and counted). */
  readonly onError?: (error: StreamPoolError) => void
}

/**
 * A client pool.
 *
 * @since 0.1.0
 */
export interface StreamPoolClientService {
  /**
   * The stream the server named `id`, waiting up to `timeout` for it to be
   * opened. Closing the scope closes the stream. Fails with `StreamNotFound`
   * for a malformed ID or a closed pool, `TimeoutError` when the stream did
   * not turn up.
   */
  readonly get: (
    id: string,
    timeout: Duration.DurationInput
  ) => Effect.Effect<PooledStream, StreamNotFound | TimeoutError, Scope.Scope>
  /** Streams waiting, capacity, interval, errors, whether connected. */
  readonly stats: Effect.Effect<PoolStats>
  /** Closes every stream waiting in the pool; the next rounds refill it. */
  readonly flush: Effect.Effect<void>
  /** Sets the error count back to zero. */
  readonly resetErrors: Effect.Effect<void>
}

/**
 * A server pool.
 *
 * @since 0.1.0
 */
export interface StreamPoolServerService {
  /** Where it listens. */
  readonly address: { readonly host: string; readonly port: number }
  /**
   * The next stream a client opened, waiting up to `timeout`. Closing the
   * scope closes the stream.
   */
  readonly incoming: (
    timeout: Duration.DurationInput
  ) => Effect.Effect<PooledStream, TimeoutError | StreamNotFound, Scope.Scope>
  /** Streams waiting, capacity, errors, whether listening. */
  readonly stats: Effect.Effect<PoolStats>
  /** Closes every stream waiting to be taken. */
  readonly flush: Effect.Effect<void>
  /** Sets the error count back to zero. */
  readonly resetErrors: Effect.Effect<void>
}

const windows = (options: {
  readonly initialWindowSize?: number
  readonly connectionWindowSize?: number
}): Windows => {
  const stream = options.initialWindowSize ?? 1024 * 1024
  const connection = options.connectionWindowSize ?? 16 * 1024 * 1024
  // HTTP/2's bounds (RFC 9113 6.5.2, 6.9.1).
  if (!Number.isInteger(stream) || stream < 0 || stream > 2 ** 31 - 1)
    throw new RangeError("initialWindowSize must be an integer from 0 to 2^31-1")
  if (!Number.isInteger(connection) || connection < 65_535 || connection > 2 ** 31 - 1)
    throw new RangeError("connectionWindowSize must be an integer from 65535 to 2^31-1")
  return { stream, connection }
}

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const n = value ?? fallback
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer`)
  return n
}

/**
 * Starts a client pool in the current scope: connects through `resolve`,
 * keeps between `minCapacity` and `maxCapacity` streams open, reconnects
 * with backoff when the connection dies. Closing the scope drops the
 * waiting streams, sends GOAWAY and lets streams in use finish up to
 * `drainTimeout`.
 *
 * @since 0.1.0
 */
export const client = (options: ClientOptions): Effect.Effect<StreamPoolClientService, never, Scope.Scope> =>
  Effect.suspend(() => {
    const minCapacity = positive(options.minCapacity, 4, "minCapacity")
    const maxCapacity = Math.max(minCapacity, positive(options.maxCapacity, 64, "maxCapacity"))
    const minIntervalMillis = Duration.toMillis(options.minInterval ?? Duration.millis(100))
    const maxIntervalMillis = Math.max(
      minIntervalMillis,
      Duration.toMillis(options.maxInterval ?? Duration.seconds(5))
    )
    const tls = options.tls ?? {}
    const config = {
      bounds: { minCapacity, maxCapacity, minIntervalMillis, maxIntervalMillis },
      keepAlive: Duration.decode(options.keepAlive ?? Duration.seconds(30)),
      resolve: options.resolve,
      onError: options.onError,
      openTimeout: Duration.decode(options.openTimeout ?? Duration.seconds(10)),
      drainTimeout: Duration.decode(options.drainTimeout ?? Duration.seconds(5)),
      windows: windows(options),
      tls:
        options.h2c === true
          ? undefined
          : {
              ca: tls.ca,
              servername: tls.servername,
              insecure: tls.insecure === true,
              cert: tls.cert,
              key: tls.key
            }
    }
    return Effect.flatMap(clientModule, ({ makeClient }) => makeClient(config))
  })

/**
 * Starts a server pool in the current scope. Refused clients, opens over
 * capacity and malformed opens are answered with an error to that client,
 * counted, logged and passed to `onError`; the server carries on. Closing
 * the scope stops listening, drops waiting streams, sends GOAWAY and lets
 * streams in use finish up to `drainTimeout`.
 *
 * @since 0.1.0
 */
export const server = (
  options: ServerOptions
): Effect.Effect<StreamPoolServerService, StreamPoolError, Scope.Scope> =>
  Effect.suspend(() => {
    if (options.h2c !== true && options.tls === undefined) {
      return Effect.dieMessage("StreamPool.server: tls is required unless h2c is chosen")
    }
    const config = {
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      tls: options.h2c === true ? undefined : options.tls,
      maxCapacity: positive(options.maxCapacity, 64, "maxCapacity"),
      allowedClients: options.allowedClients ?? [],
      keepAlive: Duration.decode(options.keepAlive ?? Duration.seconds(30)),
      extendedConnect: options.extendedConnect ?? true,
      drainTimeout: Duration.decode(options.drainTimeout ?? Duration.seconds(5)),
      windows: windows(options),
      onError: options.onError
    }
    return Effect.flatMap(serverModule, ({ makeServer }) => makeServer(config))
  })

/**
 * The client pool as a service.
 *
 * @since 0.1.0
 */
export class StreamPoolClient extends Context.Tag("@effect-requests/client/StreamPoolClient")<
  StreamPoolClient,
  StreamPoolClientService
>() {
  /** @since 0.1.0 */
  static readonly layer = (options: ClientOptions): Layer.Layer<StreamPoolClient> =>
    Layer.scoped(StreamPoolClient, client(options))
}

/**
 * The server pool as a service.
 *
 * @since 0.1.0
 */
export class StreamPoolServer extends Context.Tag("@effect-requests/client/StreamPoolServer")<
  StreamPoolServer,
  StreamPoolServerService
>() {
  /** @since 0.1.0 */
  static readonly layer = (options: ServerOptions): Layer.Layer<StreamPoolServer, StreamPoolError> =>
    Layer.scoped(StreamPoolServer, server(options))
}
