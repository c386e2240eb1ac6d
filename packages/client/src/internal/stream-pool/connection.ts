/**
 * The client's one HTTP/2 connection to a server pool, and opening pooled
 * streams on it.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as http2 from "node:http2"
import type * as tls from "node:tls"
import { StreamPoolError } from "./errors.js"
import { isStreamId } from "./ids.js"
import { ID_HEADER, PATH, PROTOCOL, type Windows } from "./protocol.js"

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants

/** How the client reaches and trusts the server. @internal */
export interface ConnectConfig {
  /** `undefined`: h2c (tests only). */
  readonly tls:
    | {
        readonly ca: string | Buffer | undefined
        readonly servername: string | undefined
        readonly insecure: boolean
        readonly cert: string | Buffer | undefined
        readonly key: string | Buffer | undefined
      }
    | undefined
  readonly openTimeout: Duration.Duration
  readonly drainTimeout: Duration.Duration
  readonly windows: Windows
}

/** A live connection. @internal */
export interface PoolConnection {
  readonly address: string
  readonly session: http2.ClientHttp2Session
  /** Set once the session closed or was sent GOAWAY; then `end` is called. */
  ended: StreamPoolError | undefined
  end: ((error: StreamPoolError) => void) | undefined
  /** Whether the server announced SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441). */
  readonly extendedConnect: boolean
  readonly authority: string
}

const splitAddress = (address: string): { host: string; port: number } | undefined => {
  const colon = address.lastIndexOf(":")
  if (colon <= 0) return undefined
  const port = Number(address.slice(colon + 1))
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined
  const host = address.slice(0, colon)
  return { host: host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host, port }
}

const secureOptions = (config: NonNullable<ConnectConfig["tls"]>, host: string): tls.ConnectionOptions => ({
  ALPNProtocols: ["h2"],
  servername: config.servername ?? host,
  rejectUnauthorized: !config.insecure,
  ...(config.ca !== undefined ? { ca: config.ca } : {}),
  ...(config.cert !== undefined ? { cert: config.cert } : {}),
  ...(config.key !== undefined ? { key: config.key } : {})
})

const open = (address: string, config: ConnectConfig): Effect.Effect<PoolConnection, StreamPoolError> =>
  Effect.async<PoolConnection, StreamPoolError>((resume) => {
    const parts = splitAddress(address)
    if (parts === undefined) {
      resume(
        Effect.fail(new StreamPoolError({ address, reason: "Resolve", detail: "not a host:port address" }))
      )
      return
    }
    const scheme = config.tls === undefined ? "http" : "https"
    const authority = `${parts.host.includes(":") ? `[${parts.host}]` : parts.host}:${parts.port}`
    const session = http2.connect(`${scheme}://${authority}`, {
      ...(config.tls === undefined ? {} : secureOptions(config.tls, parts.host)),
      settings: { initialWindowSize: config.windows.stream }
    })
    const onError = (cause: Error) => {
      session.destroy()
      resume(Effect.fail(new StreamPoolError({ address, reason: "Connect", detail: cause.message, cause })))
    }
    session.once("error", onError)
    // The server's SETTINGS say whether it takes extended CONNECT.
    session.once("remoteSettings", (settings) => {
      session.off("error", onError)
      // Settable once connected only.
      session.setLocalWindowSize(config.windows.connection)
      // Later errors end the session, which the pool watches for ('close').
      session.on("error", onSessionError)
      const connection: PoolConnection = {
        address,
        session,
        extendedConnect: settings.enableConnectProtocol === true,
        authority,
        ended: undefined,
        end: undefined
      }
      // Watched from the start: a GOAWAY may come right behind the SETTINGS.
      const ended = (error: StreamPoolError) => {
        if (connection.ended !== undefined) return
        connection.ended = error
        connection.end?.(error)
      }
      session.once("close", () =>
        ended(new StreamPoolError({ address, reason: "ConnectionLost", detail: "connection closed" }))
      )
      session.once("goaway", (code: number) =>
        ended(new StreamPoolError({ address, reason: "GoAway", detail: `GOAWAY with code ${code}` }))
      )
      resume(Effect.succeed(connection))
    })
    return Effect.sync(() => session.destroy())
  })

/**
 * Connects in the scope. Released on interruption (the pool closing): GOAWAY
 * and in-flight streams finish up to the drain deadline. Released after the
 * server's GOAWAY: closed without waiting, the server bounding its drain.
 * Released on any other failure (a dead connection): destroyed with the
 * error, which every stream on it then fails with.
 *
 * @internal
 */
export const connect = (
  address: string,
  config: ConnectConfig
): Effect.Effect<PoolConnection, StreamPoolError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.timeoutFail(open(address, config), {
      duration: config.openTimeout,
      onTimeout: () => new StreamPoolError({ address, reason: "Connect", detail: "connect timed out" })
    }),
    (connection, exit) => release(connection, exit, config)
  )

const release = (
  connection: PoolConnection,
  exit: Exit.Exit<unknown, unknown>,
  config: ConnectConfig
): Effect.Effect<void> => {
  const session = connection.session
  if (session.destroyed) return Effect.void
  if (exit._tag === "Failure" && exit.cause._tag === "Fail" && exit.cause.error instanceof StreamPoolError) {
    const error = exit.cause.error
    if (error.reason === "GoAway") {
      // The server is draining us: streams in use finish on this session
      // (the server's deadline bounds them) while the pool reconnects now.
      session.close()
      return Effect.void
    }
    session.destroy(error)
    return Effect.void
  }
  const closed = Effect.async<void>((resume) => {
    session.close(() => resume(Effect.void))
  })
  return Effect.zipRight(
    // Finalizers are uninterruptible: without this the deadline could not cut the wait.
    Effect.ignore(Effect.timeout(Effect.interruptible(closed), config.drainTimeout)),
    Effect.sync(() => {
      if (!session.destroyed) session.destroy()
    })
  )
}

/**
 * A session error is followed by 'close', which the pool reacts to; the
 * error itself is what each stream on the session fails with.
 */
const onSessionError = (): void => {}

/**
 * Fails once the session closes or receives GOAWAY: the streams it carries
 * are ending and no new one can be opened on it.
 *
 * @internal
 */
export const sessionEnded = (connection: PoolConnection): Effect.Effect<never, StreamPoolError> =>
  Effect.async<never, StreamPoolError>((resume) => {
    if (connection.ended !== undefined) return resume(Effect.fail(connection.ended))
    connection.end = (error) => resume(Effect.fail(error))
    return Effect.sync(() => {
      connection.end = undefined
    })
  })

const headersFor = (connection: PoolConnection, secure: boolean): http2.OutgoingHttpHeaders =>
  connection.extendedConnect
    ? {
        ":method": "CONNECT",
        ":protocol": PROTOCOL,
        ":scheme": secure ? "https" : "http",
        ":path": PATH,
        ":authority": connection.authority
      }
    : { ":method": "POST", ":path": PATH, "content-type": "application/octet-stream" }

/** How a batch of opens went. @internal */
export interface OpenedBatch {
  readonly attempts: number
  readonly successes: number
  /** Why the first failed open failed, when one did. */
  readonly firstFailure: StreamPoolError | undefined
}

/** One open in flight: settled once named, refused, reset or timed out. */
class Batch {
  successes = 0
  settled = 0
  firstFailure: StreamPoolError | undefined = undefined
  readonly unnamed = new Set<http2.ClientHttp2Stream>()
  done: () => void = () => {}

  constructor(readonly attempts: number) {}

  succeed(stream: http2.ClientHttp2Stream): void {
    this.unnamed.delete(stream)
    this.successes++
    if (++this.settled === this.attempts) this.done()
  }

  fail(stream: http2.ClientHttp2Stream | undefined, error: StreamPoolError): void {
    if (stream !== undefined && !this.unnamed.delete(stream)) return
    this.firstFailure ??= error
    if (++this.settled === this.attempts) this.done()
  }

  result(): OpenedBatch {
    return { attempts: this.attempts, successes: this.successes, firstFailure: this.firstFailure }
  }
}

const openOne = (
  connection: PoolConnection,
  headers: http2.OutgoingHttpHeaders,
  batch: Batch,
  named: (id: string, stream: http2.ClientHttp2Stream) => void
): void => {
  const address = connection.address
  let stream: http2.ClientHttp2Stream
  try {
    stream = connection.session.request(headers, { endStream: false })
  } catch (cause) {
    batch.fail(undefined, new StreamPoolError({ address, reason: "Open", detail: String(cause), cause }))
    return
  }
  batch.unnamed.add(stream)
  let lastError: Error | undefined
  // Kept for the stream's life: an error on a stream nobody holds yet must not go unheard.
  stream.on("error", (error: Error) => {
    lastError = error
  })
  const onClose = () => {
    const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM
    batch.fail(
      stream,
      new StreamPoolError({
        address,
        reason: refused ? "OverCapacity" : "Open",
        detail: refused
          ? "server pool is full"
          : `stream closed before it was named (code ${stream.rstCode})`,
        cause: lastError
      })
    )
  }
  stream.once("close", onClose)
  stream.once("response", (answer) => {
    const id = answer[ID_HEADER]
    if (answer[":status"] === 200 && typeof id === "string" && isStreamId(id)) {
      // Named: its close is no failure to open any more.
      stream.off("close", onClose)
      batch.succeed(stream)
      named(id, stream)
      return
    }
    stream.close(NGHTTP2_CANCEL)
    batch.fail(
      stream,
      new StreamPoolError({
        address,
        reason: "Malformed",
        detail: `server answered ${String(answer[":status"])} without a stream ID`
      })
    )
  })
}

/**
 * Opens `attempts` streams at once and hands each to `named` as soon as the
 * server names it. One timer bounds the whole batch: the streams not named
 * by then are cancelled and count as failed. Never fails; interruption
 * cancels the streams not named yet.
 *
 * Callbacks rather than a fiber and a timeout per stream: a creation round
 * opens up to a pool's whole capacity at once, and every stream a pool hands
 * out is one more to open.
 *
 * @internal
 */
export const openStreams = (
  connection: PoolConnection,
  secure: boolean,
  attempts: number,
  timeout: Duration.Duration,
  named: (id: string, stream: http2.ClientHttp2Stream) => void
): Effect.Effect<OpenedBatch> =>
  Effect.suspend(() => {
    const batch = new Batch(attempts)
    const cancelUnnamed = Effect.sync(() => {
      for (const stream of batch.unnamed)
        if (!stream.closed && !stream.destroyed) stream.close(NGHTTP2_CANCEL)
    })
    const opening = Effect.async<OpenedBatch>((resume) => {
      batch.done = () => resume(Effect.succeed(batch.result()))
      const headers = headersFor(connection, secure)
      for (let i = 0; i < attempts; i++) openOne(connection, headers, batch, named)
      return cancelUnnamed
    })
    return Effect.timeoutTo(opening, {
      duration: timeout,
      onSuccess: (result): OpenedBatch => result,
      onTimeout: (): OpenedBatch => {
        const late = batch.attempts - batch.settled
        return {
          attempts: batch.attempts,
          successes: batch.successes,
          firstFailure:
            batch.firstFailure ??
            (late > 0
              ? new StreamPoolError({
                  address: connection.address,
                  reason: "Open",
                  detail: `${late} streams not named within ${Duration.toMillis(timeout)} ms`
                })
              : undefined)
        }
      }
    })
  })
