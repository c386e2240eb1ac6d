/**
 * A real HTTP/1.1 server (TLS optional) on `127.0.0.1`, acquired as a scoped
 * resource, with built-in routes for client tests and counters that tests can
 * await instead of sleeping.
 *
 * Built-in routes (used when no `handler` is given):
 *
 * - `GET|HEAD /bytes/:n`: `n` {@link bytes} in one write, with Content-Length.
 * - `/chunked/:n?size=k`: `n` bytes, chunked, one chunk per `k`-byte write
 *   (default 1024).
 * - `/stream/:n`: `n` bytes with Content-Length, written under backpressure so
 *   even hundreds of MiB are never buffered.
 * - `/echo` (any method): JSON {@link Echo} describing the request received.
 * - `POST|PUT /upload`: consumes the body as it streams in and answers JSON
 *   `{ bytes, sha256 }` (sha256 in hex).
 * - `/status/:code`: that status (200-599) with an empty body; `?location=`
 *   adds a Location header, for redirects.
 * - `/hang-body/:n`: headers with Content-Length `n`, the first `n / 2`
 *   (rounded down) bytes, then the socket is destroyed.
 * - `/set-cookie`: two Set-Cookie headers, `a=1; Path=/` and
 *   `b=2; Path=/; HttpOnly`.
 * - `/delay-headers`: never answers; the request stays pending until the
 *   client closes the connection or the scope closes the server.
 *
 * Every request is counted, and its `X-Request-Id` header, when present, is
 * tallied in `requestIds`, whatever the handler.
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as https from "node:https"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { Counter } from "./internal/counter.js"
import { Connections, listen } from "./internal/lifecycle.js"
import { slice } from "./internal/pattern.js"
import { handle } from "./internal/routes.js"
import * as TestCerts from "./TestCerts.js"
import type * as Wait from "./Wait.js"

/**
 * TLS settings of the server.
 *
 * @since 0.1.0
 */
export interface TlsOptions {
  /** PEM certificate chain; defaults to {@link TestCerts.leaf}. */
  readonly cert?: string
  /** PEM private key; defaults to {@link TestCerts.leaf}. */
  readonly key?: string
  /** Ask clients for a certificate (mutual TLS). */
  readonly requestCert?: boolean
  /** CAs trusted for client certificates; defaults to {@link TestCerts.ca}. */
  readonly ca?: string
  /**
   * With `requestCert`, refuse the handshake when the client sends no valid
   * certificate. Defaults to `true`; set `false` to inspect the peer
   * certificate in a handler instead.
   */
  readonly rejectUnauthorized?: boolean
}

/**
 * How to start the server.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Serve HTTPS: `true` uses {@link TestCerts.leaf}. Defaults to `false`. */
  readonly tls?: boolean | TlsOptions
  /** Replaces the built-in routes. A handler that throws has its socket destroyed. */
  readonly handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void
  /** Milliseconds an idle keep-alive connection is kept open. Defaults to 5000. */
  readonly keepAliveTimeout?: number
}

/**
 * Connection and request counters, read live.
 *
 * @since 0.1.0
 */
export interface Stats {
  /** TCP connections accepted so far, including failed TLS handshakes. */
  readonly connectionsOpened: number
  readonly openConnections: number
  readonly requests: number
  /** The most connections that were open at the same time. */
  readonly peakOpenConnections: number
}

/**
 * A running server.
 *
 * @since 0.1.0
 */
export interface HttpTestServer {
  /** Origin of the server, e.g. `http://127.0.0.1:12345` (`https://` with TLS). */
  readonly url: string
  readonly port: number
  readonly stats: Stats
  /** Counts of X-Request-Id header values seen by the server (for exactly-once assertions). */
  readonly requestIds: ReadonlyMap<string, number>
  /**
   * Resolves when the server has seen `n` connections close in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitClosedConnections: (
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when `n` requests have arrived in total; fails with a `WaitTimeout` once `options.timeoutMillis`
   * have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitRequests: (n: number, options?: Wait.WaitOptions) => Effect.Effect<void, Wait.WaitTimeout>
  /** Connections closed so far, by either side. */
  readonly closedConnections: number
  /** The last exception thrown by the handler, if any. */
  readonly lastHandlerError: Option.Option<unknown>
}

/**
 * The body served by `/bytes`, `/chunked`, `/stream` and `/hang-body`: the
 * alphabet repeated, `n` bytes long, starting at byte `offset` of the pattern.
 * Compare a received body (or a slice of it) with this.
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
  /** The request target as sent, e.g. `/echo?a=1`. */
  readonly url: string
  readonly httpVersion: string
  /** Node's view of the headers: lower-cased names, repeated values joined. */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** Names and values alternating, in the order and case received. */
  readonly rawHeaders: ReadonlyArray<string>
  /** The request body decoded as UTF-8. */
  readonly body: string
}

const createServer = (options: Options, onRequest: http.RequestListener): http.Server => {
  const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls
  const server =
    tls === undefined
      ? http.createServer(onRequest)
      : https.createServer(
          {
            cert: tls.cert ?? TestCerts.leaf.cert,
            key: tls.key ?? TestCerts.leaf.key,
            // OpenSSL completes the served chain from the trusted CAs, so they
            // are only set when needed: by default the server sends the leaf alone.
            ...(tls.requestCert
              ? {
                  requestCert: true,
                  ca: tls.ca ?? TestCerts.ca,
                  rejectUnauthorized: tls.rejectUnauthorized ?? true
                }
              : {})
          },
          onRequest
        )
  server.keepAliveTimeout = options.keepAliveTimeout ?? 5000
  return server
}

/**
 * Starts a server on `127.0.0.1` with an ephemeral port. Closing the scope
 * closes the server, destroys every open connection and waits until each has
 * emitted 'close'.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<HttpTestServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const connections = new Connections()
    const requests = new Counter()
    const requestIds = new Map<string, number>()
    const handler = options.handler ?? handle
    let lastHandlerError: Option.Option<unknown> = Option.none()

    const server = createServer(options, (req, res) => {
      const id = req.headers["x-request-id"]
      if (typeof id === "string") requestIds.set(id, (requestIds.get(id) ?? 0) + 1)
      requests.increment()
      try {
        handler(req, res)
      } catch (error) {
        lastHandlerError = Option.some(error)
        res.destroy()
      }
    })
    connections.track(server)

    const port = yield* Effect.acquireRelease(listen(server), () => connections.shutdown(server))

    return {
      url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
      port,
      stats: {
        get connectionsOpened() {
          return connections.opened.value
        },
        get openConnections() {
          return connections.open
        },
        get requests() {
          return requests.value
        },
        get peakOpenConnections() {
          return connections.peak
        }
      },
      requestIds,
      awaitClosedConnections: (n, options) =>
        connections.closed.awaitWithin(n, "awaitClosedConnections", "closed connection", options),
      awaitRequests: (n, options) => requests.awaitWithin(n, "awaitRequests", "request", options),
      get closedConnections() {
        return connections.closed.value
      },
      get lastHandlerError() {
        return lastHandlerError
      }
    }
  })
