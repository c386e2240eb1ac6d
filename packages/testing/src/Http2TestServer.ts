/**
 * A real HTTP/2 server on `127.0.0.1`, over TLS with ALPN `h2` or as h2c
 * (prior knowledge), acquired as a scoped resource, with built-in routes,
 * counters tests can await instead of sleeping, and faults a test can
 * trigger: SETTINGS changes, GOAWAY, stream resets, a peer that goes silent
 * and a connection that drops.
 *
 * Built-in routes (used when no `handler` is given):
 *
 * - `GET|HEAD /bytes/:n`: `n` {@link bytes} with content-length.
 * - `/stream/:n`: `n` bytes written under flow control, so even hundreds of
 *   MiB are never buffered.
 * - `/echo` (any method): JSON {@link Echo} describing the request received.
 * - `POST|PUT /upload`: consumes the body as it streams in and answers JSON
 *   `{ bytes, sha256 }` (sha256 in hex).
 * - `/status/:code`: that status (200-599) with an empty body; `?location=`
 *   adds a location field.
 * - `/set-cookie`: two set-cookie fields.
 * - `/hold/:key`: answers 200 with body `key` once `release(key)` or
 *   `release()` is called; a released key answers at once from then on.
 * - `/reset/:code`: RST_STREAM with that code before any response.
 * - `/reset-body/:n`: head with content-length `n`, the first `n / 2` bytes,
 *   then RST_STREAM(INTERNAL_ERROR).
 * - `/delay-headers`: never answers; the stream stays open until the client
 *   cancels it or the scope closes.
 *
 * Every stream that reaches the handler is counted, and its `x-request-id`,
 * when present, tallied in `requestIds` (arrivals) and, once its response
 * was sent completely, in `answeredIds`.
 *
 * Connections pass through a TCP relay in the server, which is what lets
 * `stall` and `drop` act below node's session.
 *
 * @since 0.1.0
 */
import * as http2 from "node:http2"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Counter } from "./internal/counter.js"
import { Connections, listen } from "./internal/lifecycle.js"
import { slice } from "./internal/pattern.js"
import { Relay } from "./internal/h2-relay.js"
import { Holds } from "./internal/h2-holds.js"
import { handle } from "./internal/h2-routes.js"
import { type SessionRecord, type StreamRecord, Tracker } from "./internal/h2-tracker.js"
import * as TestCerts from "./TestCerts.js"
import type * as Wait from "./Wait.js"

/**
 * How to start the server.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Serve TLS with ALPN `h2` (`true` uses {@link TestCerts.leaf}); otherwise h2c. Defaults to `false`. */
  readonly tls?: boolean | TestCerts.KeyPair
  /** SETTINGS_MAX_CONCURRENT_STREAMS of the initial SETTINGS. Defaults to node's: no limit announced. */
  readonly maxConcurrentStreams?: number
  /** SETTINGS_INITIAL_WINDOW_SIZE the server announces. Defaults to node's 65535. */
  readonly initialWindowSize?: number
  /**
   * Also accept HTTP/1.1 over TLS (ALPN `http/1.1`, or none) and answer it
   * with this handler, as a server that offers both protocols does. Default:
   * HTTP/2 only.
   */
  readonly http1Handler?: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void
  /**
   * Origins announced in an ORIGIN frame (RFC 8336) at the start of every
   * TLS session; a function receives the server's port. Default: none sent.
   */
  readonly origins?: ReadonlyArray<string> | ((port: number) => ReadonlyArray<string>)
  /** Called with every new session, e.g. to send it GOAWAY before it carries anything. */
  readonly onSession?: (session: http2.ServerHttp2Session) => void
  /** Replaces the built-in routes. A handler that throws has its stream reset. */
  readonly handler?: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void
}

/**
 * Counters, read live.
 *
 * @since 0.1.0
 */
export interface Stats {
  /** TCP connections accepted so far. */
  readonly connectionsOpened: number
  readonly openConnections: number
  /** HTTP/2 sessions established so far. */
  readonly sessionsOpened: number
  readonly openSessions: number
  readonly sessionsClosed: number
  /** Streams that reached the handler. */
  readonly requests: number
  /** The most streams open at once on any one session. */
  readonly peakConcurrentStreams: number
}

/**
 * One session as the server saw it.
 *
 * @since 0.1.0
 */
export interface SessionInfo {
  readonly index: number
  /** Streams that reached the handler. */
  readonly streams: number
  readonly openStreams: number
  /** The most streams open at once. */
  readonly peakConcurrentStreams: number
  /** Ids of the streams that reached the handler, in arrival order. */
  readonly streamIds: ReadonlyArray<number>
  readonly closed: boolean
  /** The GOAWAY the client sent, if it did. */
  readonly goaway: { readonly code: number; readonly lastStreamId: number } | undefined
}

/**
 * One stream as the server saw it.
 *
 * @since 0.1.0
 */
export interface StreamInfo {
  /** Index of its session in `sessions`. */
  readonly session: number
  readonly id: number
  readonly method: string
  readonly path: string
  readonly requestId: string | undefined
  readonly closed: boolean
  /** The code it closed with, whichever side reset it; `0` for a clean end. */
  readonly rstCode: number | undefined
  /** Its response was sent completely. */
  readonly answered: boolean
}

/**
 * A running server.
 *
 * @since 0.1.0
 */
export interface Http2TestServer {
  /** Origin, e.g. `http://127.0.0.1:12345` (`https://` with TLS). */
  readonly url: string
  readonly port: number
  readonly stats: Stats
  readonly sessions: ReadonlyArray<SessionInfo>
  readonly streams: ReadonlyArray<StreamInfo>
  /** Arrivals per `x-request-id`: a replayed request counts again. */
  readonly requestIds: ReadonlyMap<string, number>
  /** Completely answered responses per `x-request-id` (for exactly-once assertions). */
  readonly answeredIds: ReadonlyMap<string, number>
  /**
   * Resolves when `n` streams have reached the handler in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitRequests: (n: number, options?: Wait.WaitOptions) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when `n` sessions have been established in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitSessions: (n: number, options?: Wait.WaitOptions) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when `n` sessions have closed in total; fails with a `WaitTimeout` once `options.timeoutMillis`
   * have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitSessionsClosed: (
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when `n` TCP connections have closed in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitClosedConnections: (
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when `n` streams that reached the handler have closed in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitStreamsClosed: (
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Announces a new SETTINGS_MAX_CONCURRENT_STREAMS on every open session and makes it the initial value of
   * new ones; resolves once every open session acknowledged it, so the client has applied it. Otherwise fails
   * with a `WaitTimeout` once `options.timeoutMillis` have passed in real time (default
   * {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly setMaxConcurrentStreams: (
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Sends GOAWAY on every open session. `lastStreamId` defaults to the last
   * stream the session processed, `code` to `NO_ERROR`.
   *
   * The client is expected to close the connection. Node's session stops
   * reading once it has sent GOAWAY and its streams are done, so it notices
   * the client leaving only when the scope closes: count the closed
   * connections (`awaitClosedConnections`), not the closed sessions.
   */
  readonly goaway: (options?: {
    readonly lastStreamId?: number
    readonly code?: number
  }) => Effect.Effect<void>
  /**
   * From now on, a request whose `x-request-id` has not been seen before is
   * reset with `code` instead of answered; its next try is served normally.
   * `undefined` turns this off.
   */
  readonly resetFirstTry: (code: number | undefined) => Effect.Effect<void>
  /** Answers the `/hold/:key` requests of `key`, or of every key when omitted, now and from then on. */
  readonly release: (key?: string) => Effect.Effect<void>
  /** Every open connection stops answering entirely: no frame, no PONG. New connections are served. */
  readonly stall: Effect.Effect<void>
  /** Every open connection is reset at the TCP level, without GOAWAY. */
  readonly drop: Effect.Effect<void>
  /** The last error a session, stream or handler raised, if any. */
  readonly lastError: unknown
}

/**
 * The body served by `/bytes`, `/stream` and `/reset-body`: the alphabet
 * repeated, `n` bytes long, starting at byte `offset` of the pattern.
 *
 * @since 0.1.0
 */
export const bytes = (n: number, offset = 0): Buffer => Buffer.from(slice(offset, n))

/**
 * The JSON body answered by `/echo`.
 *
 * @since 0.1.0
 */
export interface Echo {
  readonly method: string
  readonly path: string
  readonly scheme: string
  readonly authority: string
  /** Regular fields as node saw them: lower-case names. */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The request body decoded as UTF-8. */
  readonly body: string
}

const sessionView = (record: SessionRecord): SessionInfo => ({
  index: record.index,
  streams: record.streams,
  openStreams: record.openStreams,
  peakConcurrentStreams: record.peakConcurrentStreams,
  streamIds: [...record.streamIds],
  closed: record.closed,
  goaway: record.goaway
})

const streamView = (record: StreamRecord): StreamInfo => ({ ...record })

/**
 * Starts a server on `127.0.0.1` with an ephemeral port. Closing the scope
 * closes the server, destroys every connection and waits until each has
 * closed.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Http2TestServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const tracker = new Tracker()
    const holds = new Holds()
    const backendConnections = new Connections()
    let resetCode: number | undefined = undefined
    const settings: http2.Settings = {
      ...(options.maxConcurrentStreams !== undefined
        ? { maxConcurrentStreams: options.maxConcurrentStreams }
        : {}),
      ...(options.initialWindowSize !== undefined ? { initialWindowSize: options.initialWindowSize } : {})
    }
    const tls = options.tls === true ? TestCerts.leaf : options.tls === false ? undefined : options.tls
    const server =
      tls === undefined
        ? http2.createServer({ settings })
        : http2.createSecureServer({
            cert: tls.cert,
            key: tls.key,
            settings,
            allowHTTP1: options.http1Handler !== undefined
          })
    const http1Handler = options.http1Handler
    if (http1Handler !== undefined) {
      // The compatibility layer reports HTTP/2 streams here too; those belong to the stream handler below.
      server.on("request", (req, res) => {
        if (req.httpVersionMajor === 1) http1Handler(req, res)
      })
    }
    backendConnections.track(server)
    const context = {
      hold: (key: string, answer: () => void, stream: http2.ServerHttp2Stream) =>
        holds.hold(key, answer, stream)
    }

    /** The port clients connect to, known once the relay listens. */
    let publicPort = 0
    const origins = options.origins
    server.on("session", (session) => {
      tracker.session(session)
      if (origins !== undefined && tls !== undefined) {
        session.origin(...(typeof origins === "function" ? origins(publicPort) : origins))
      }
      options.onSession?.(session)
    })
    server.on("stream", (stream, headers) => {
      const seen = tracker.stream(stream, headers)
      if (resetCode !== undefined && seen === 0 && typeof headers["x-request-id"] === "string") {
        return stream.close(resetCode)
      }
      try {
        if (options.handler !== undefined) options.handler(stream, headers)
        else handle(stream, headers, context)
      } catch (error) {
        tracker.lastError = error
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR)
      }
    })

    const backendPort = yield* Effect.acquireRelease(listen(server), () =>
      Effect.zipRight(
        backendConnections.shutdown(server),
        // Sessions close once their sockets are gone; the counters are final after this.
        Effect.suspend(() => tracker.sessionsClosed.await(tracker.sessionsOpened.value))
      )
    )
    const relay = new Relay(backendPort)
    // Released first: clients see their connections close before the server goes.
    const port = yield* Effect.acquireRelease(relay.listen(), () => relay.shutdown())
    publicPort = port

    const setMaxConcurrentStreams = (n: number, waitOptions?: Wait.WaitOptions) =>
      Effect.suspend(() => {
        server.updateSettings({ ...settings, maxConcurrentStreams: n })
        const open = tracker.openSessions
        const acknowledged = new Counter()
        for (const record of open) {
          if (record.session.destroyed) acknowledged.increment()
          else record.session.settings({ maxConcurrentStreams: n }, () => acknowledged.increment())
        }
        return acknowledged.awaitWithin(
          open.length,
          "setMaxConcurrentStreams",
          "SETTINGS acknowledgement",
          waitOptions
        )
      })

    return {
      url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
      port,
      stats: {
        get connectionsOpened() {
          return relay.connections.opened.value
        },
        get openConnections() {
          return relay.connections.open
        },
        get sessionsOpened() {
          return tracker.sessionsOpened.value
        },
        get openSessions() {
          return tracker.sessionsOpened.value - tracker.sessionsClosed.value
        },
        get sessionsClosed() {
          return tracker.sessionsClosed.value
        },
        get requests() {
          return tracker.requests.value
        },
        get peakConcurrentStreams() {
          return tracker.peakConcurrentStreams
        }
      },
      get sessions() {
        return tracker.sessions.map(sessionView)
      },
      get streams() {
        return tracker.streams.map(streamView)
      },
      requestIds: tracker.requestIds,
      answeredIds: tracker.answeredIds,
      awaitRequests: (n, options) => tracker.requests.awaitWithin(n, "awaitRequests", "request", options),
      awaitSessions: (n, options) =>
        tracker.sessionsOpened.awaitWithin(n, "awaitSessions", "session", options),
      awaitSessionsClosed: (n, options) =>
        tracker.sessionsClosed.awaitWithin(n, "awaitSessionsClosed", "closed session", options),
      awaitClosedConnections: (n, options) =>
        relay.connections.closed.awaitWithin(n, "awaitClosedConnections", "closed connection", options),
      awaitStreamsClosed: (n, options) =>
        tracker.streamsClosed.awaitWithin(n, "awaitStreamsClosed", "closed stream", options),
      setMaxConcurrentStreams,
      goaway: (goaway = {}) =>
        Effect.sync(() => {
          for (const { session } of tracker.openSessions) {
            if (!session.destroyed) session.goaway(goaway.code ?? 0, goaway.lastStreamId ?? 0)
          }
        }),
      resetFirstTry: (code) =>
        Effect.sync(() => {
          resetCode = code
        }),
      release: (key) => Effect.sync(() => holds.release(key)),
      stall: Effect.sync(() => relay.stall()),
      drop: Effect.sync(() => relay.drop()),
      get lastError() {
        return tracker.lastError ?? relay.lastSocketError
      }
    }
  })
