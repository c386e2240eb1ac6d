/**
 * The server end of a stream pool: accepts pooled streams from clients over
 * HTTP/2, names each one, and hands them out through `incoming`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as http2 from "node:http2"
import type * as net from "node:net"
import type { TimeoutError } from "../../Errors.js"
import { makeClientFilter } from "./allowed-clients.js"
import { Arrivals } from "./arrivals.js"
import { type StreamNotFound, StreamPoolError } from "./errors.js"
import { IdAllocator } from "./ids.js"
import { keepAlive } from "./keep-alive.js"
import { closeStream, makePooledStream, type PoolStats, type PooledStream } from "./pooled-stream.js"
import { ID_HEADER, PATH, PROTOCOL, type Windows } from "./protocol.js"

const { NGHTTP2_REFUSED_STREAM } = http2.constants

/** Options of a server pool, resolved. @internal */
export interface ServerConfig {
  readonly host: string
  readonly port: number
  readonly tls: { readonly key: string | Buffer; readonly cert: string | Buffer } | undefined
  readonly maxCapacity: number
  readonly allowedClients: ReadonlyArray<string>
  readonly keepAlive: Duration.Duration
  readonly extendedConnect: boolean
  readonly drainTimeout: Duration.Duration
  readonly windows: Windows
  readonly onError: ((error: StreamPoolError) => void) | undefined
}

/** The server pool's face. @internal */
export interface ServerPool {
  readonly address: { readonly host: string; readonly port: number }
  readonly incoming: (
    timeout: Duration.DurationInput
  ) => Effect.Effect<PooledStream, TimeoutError | StreamNotFound, Scope.Scope>
  readonly stats: Effect.Effect<PoolStats>
  readonly flush: Effect.Effect<void>
  readonly resetErrors: Effect.Effect<void>
}

class ServerState {
  readonly arrivals: Arrivals<http2.ServerHttp2Stream>
  readonly sessions = new Map<http2.ServerHttp2Session, Fiber.RuntimeFiber<never, StreamPoolError>>()
  readonly ids = new IdAllocator()
  errors = 0
  listening = false
  closing = false
  port = 0
  constructor(
    readonly config: ServerConfig,
    readonly runtime: Runtime.Runtime<never>
  ) {
    this.arrivals = new Arrivals(() => `${config.host}:${this.port}`)
  }

  report(error: StreamPoolError): void {
    this.errors++
    this.config.onError?.(error)
    Runtime.runFork(this.runtime)(
      Effect.logWarning("stream pool server: " + error.message).pipe(
        Effect.annotateLogs({ reason: error.reason, address: error.address })
      )
    )
  }
}

const peerOf = (socket: net.Socket | undefined): string =>
  socket === undefined ? "unknown" : `${socket.remoteAddress ?? "unknown"}:${socket.remotePort ?? 0}`

const onSession = (state: ServerState, allowed: (address: string | undefined) => boolean) =>
  function (session: http2.ServerHttp2Session): void {
    const socket = session.socket as net.Socket | undefined
    const peer = peerOf(socket)
    if (!allowed(socket?.remoteAddress) || state.closing) {
      state.report(
        new StreamPoolError({
          address: peer,
          reason: "Refused",
          detail: state.closing ? "server pool closing" : "client address not allowed"
        })
      )
      session.goaway(NGHTTP2_REFUSED_STREAM)
      session.destroy()
      return
    }
    session.setLocalWindowSize(state.config.windows.connection)
    session.on("error", (cause: Error) =>
      state.report(
        new StreamPoolError({ address: peer, reason: "ConnectionLost", detail: cause.message, cause })
      )
    )
    const watch = Runtime.runFork(state.runtime)(keepAlive(session, peer, state.config.keepAlive))
    watch.addObserver((exit) => {
      if (exit._tag === "Failure" && !session.destroyed) {
        const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        if (failure !== undefined) state.report(failure)
        session.destroy()
      }
    })
    state.sessions.set(session, watch)
    session.once("close", () => {
      state.sessions.delete(session)
      watch.unsafeInterruptAsFork(FiberId.none)
    })
  }

const malformed = (headers: http2.IncomingHttpHeaders, extendedConnect: boolean): string | undefined => {
  const method = headers[":method"]
  if (headers[":path"] !== PATH) return `unexpected path ${String(headers[":path"])}`
  if (method === "CONNECT") {
    if (!extendedConnect) return "extended CONNECT is not enabled"
    return headers[":protocol"] === PROTOCOL
      ? undefined
      : `unexpected :protocol ${String(headers[":protocol"])}`
  }
  return method === "POST" ? undefined : `unexpected method ${String(method)}`
}

const onStream = (state: ServerState) =>
  function (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const peer = peerOf(stream.session?.socket as net.Socket | undefined)
    const problem = malformed(headers, state.config.extendedConnect)
    if (problem !== undefined) {
      state.report(new StreamPoolError({ address: peer, reason: "Malformed", detail: problem }))
      stream.on("error", onRejectedStreamError)
      stream.respond({ ":status": 400 }, { endStream: true })
      return
    }
    if (state.closing || state.arrivals.size >= state.config.maxCapacity) {
      state.report(
        new StreamPoolError({
          address: peer,
          reason: "OverCapacity",
          detail: `${state.arrivals.size} streams waiting, capacity ${state.config.maxCapacity}`
        })
      )
      stream.on("error", onRejectedStreamError)
      stream.close(NGHTTP2_REFUSED_STREAM)
      return
    }
    const id = state.ids.next()
    // Errors on a stream nobody holds yet only take it out of the pool.
    stream.on("error", (cause: Error) => {
      if (state.arrivals.remove(id))
        state.report(
          new StreamPoolError({ address: peer, reason: "ConnectionLost", detail: cause.message, cause })
        )
    })
    stream.respond({ ":status": 200, [ID_HEADER]: id })
    state.arrivals.put(id, stream)
  }

const listen = (server: http2.Http2Server, config: ServerConfig): Effect.Effect<number, StreamPoolError> =>
  Effect.async<number, StreamPoolError>((resume) => {
    const onError = (cause: Error) =>
      resume(
        Effect.fail(
          new StreamPoolError({
            address: `${config.host}:${config.port}`,
            reason: "Connect",
            detail: "cannot listen",
            cause
          })
        )
      )
    server.once("error", onError)
    server.listen(config.port, config.host, () => {
      server.off("error", onError)
      const address = server.address()
      resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : config.port))
    })
  })

/** GOAWAY to every session, in-flight streams finish up to the deadline, then whatever is left is destroyed. */
const shutdown = (state: ServerState, server: http2.Http2Server): Effect.Effect<void> =>
  Effect.gen(function* () {
    state.closing = true
    state.arrivals.shutDown()
    const sessions = [...state.sessions.keys()]
    const closed = Effect.forEach(
      sessions,
      (session) =>
        Effect.async<void>((resume) => {
          if (session.closed || session.destroyed) return resume(Effect.void)
          session.close(() => resume(Effect.void))
        }),
      { concurrency: "unbounded", discard: true }
    )
    // Finalizers are uninterruptible: without this the deadline could not cut the wait.
    yield* Effect.timeout(Effect.interruptible(closed), state.config.drainTimeout).pipe(Effect.ignore)
    for (const session of sessions) if (!session.destroyed) session.destroy()
    yield* Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
  })

/** Starts a server pool in the current scope. @internal */
export const makeServer = (config: ServerConfig): Effect.Effect<ServerPool, StreamPoolError, Scope.Scope> =>
  Effect.gen(function* () {
    const allowed = makeClientFilter(config.allowedClients)
    const state = new ServerState(config, yield* Effect.runtime<never>())
    const settings: http2.Settings = {
      enableConnectProtocol: config.extendedConnect,
      initialWindowSize: config.windows.stream
    }
    const server =
      config.tls === undefined
        ? http2.createServer({ settings })
        : http2.createSecureServer({ settings, key: config.tls.key, cert: config.tls.cert })
    server.on("session", onSession(state, allowed))
    server.on("stream", onStream(state))
    const port = yield* Effect.acquireRelease(listen(server, config), () => shutdown(state, server))
    state.listening = true

    state.port = port

    const incoming = (timeout: Duration.DurationInput) =>
      Effect.acquireRelease(
        // Only the wait inside `take` is interruptible: a stream handed over reaches the release or goes back.
        Effect.flatMap(state.arrivals.take(Duration.decode(timeout)), ({ id, stream }) =>
          makePooledStream(id, stream)
        ),
        (pooled) => Effect.sync(() => closeStream(pooled))
      )
    return {
      address: { host: config.host, port },
      incoming,
      stats: Effect.sync((): PoolStats => ({
        active: state.arrivals.size,
        capacity: config.maxCapacity,
        intervalMillis: 0,
        errors: state.errors,
        ready: state.listening && !state.closing
      })),
      flush: Effect.sync(() => state.arrivals.flush()),
      resetErrors: Effect.sync(() => {
        state.errors = 0
      })
    }
  })

/**
 * A stream refused at open is answered and forgotten; a late error on it
 * (the peer resetting it first) has nobody to reach and changes nothing.
 */
const onRejectedStreamError = (): void => {}
