/**
 * A TCP server (TLS optional) on `127.0.0.1` whose connections are driven by
 * a script, for tests that need exact bytes on the wire: malformed responses,
 * odd framing, a peer that stalls, half-closes or resets.
 *
 * Each accepted connection runs `script(connection, index)` in its own fiber,
 * forked into the server's scope. When the script ends, however it ends, the
 * socket is destroyed, unless the script had called `end`: then the socket is
 * left half-closed until the peer closes it too (or the scope closes).
 *
 * Plain TCP connections are half-open: the peer's FIN fails pending reads
 * but leaves the socket writable until the script ends or destroys it. Under
 * TLS, node ends our side as soon as the peer ends its own.
 *
 * Script failures are not printed: the last one is kept in
 * `lastScriptError` (and logged at debug level) so a test can assert it.
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as net from "node:net"
import * as tls from "node:tls"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { Counter } from "./internal/counter.js"
import { Connections, listen } from "./internal/lifecycle.js"
import { SocketReader } from "./internal/reader.js"
import * as TestCerts from "./TestCerts.js"
import type * as Wait from "./Wait.js"

/**
 * A request read by {@link RawConnection.readRequest}.
 *
 * @since 0.1.0
 */
export interface RawRequest {
  /** The request line and header lines, through the blank line, as received. */
  readonly head: string
  readonly method: string
  /** The request target, e.g. `/a?b=c`. */
  readonly path: string
  /** e.g. `HTTP/1.1`. */
  readonly httpVersion: string
  /** Lower-cased names; values of a repeated name joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  /** The body, de-chunked when it was sent chunked. */
  readonly body: Buffer
}

/**
 * One accepted connection, as seen by a script.
 *
 * Strings read from the socket are decoded as latin1, one character per
 * byte, like HTTP header bytes.
 *
 * @since 0.1.0
 */
export interface RawConnection {
  /** The socket itself (a `tls.TLSSocket` under TLS), for anything not covered here. */
  readonly socket: net.Socket
  /**
   * Reads until the buffered input contains `delimiter` (default `"\r\n\r\n"`)
   * and returns everything up to and including it; the rest stays buffered.
   * Fails if the peer closes first.
   */
  readonly readUntil: (delimiter?: string) => Effect.Effect<string, Error>
  /** Reads exactly `n` bytes. Fails if the peer closes first. */
  readonly readBytes: (n: number) => Effect.Effect<Buffer, Error>
  /**
   * Reads a request head, then its body: exactly Content-Length bytes, the
   * chunks of a chunked body (trailers are read and dropped), or nothing.
   */
  readonly readRequest: Effect.Effect<RawRequest, Error>
  /**
   * Writes and waits until the bytes are handed to the kernel. Strings are
   * encoded as UTF-8. Writing to a connection that is already destroyed (the
   * peer reset it, say) does nothing: the socket error, if any, is in
   * `lastSocketError`. Writing after `end` is a defect.
   */
  readonly write: (data: string | Uint8Array) => Effect.Effect<void>
  /** Half-closes: flushes what was written, then sends FIN. Reading still works. */
  readonly end: Effect.Effect<void>
  /**
   * Closes both directions now and waits for 'close'. What earlier `write`s
   * flushed still reaches the peer, followed by FIN (the kernel sends RST
   * instead if unread input is pending). Use `reset` to force an RST.
   */
  readonly destroy: Effect.Effect<void>
  /**
   * Aborts with a TCP RST and waits for 'close': the peer sees `ECONNRESET`.
   * Bytes written just before may be lost, or read by the peer followed by
   * a plain EOF, depending on what it had read when the RST arrived; reset
   * a connection with nothing in flight for a deterministic outcome. Under
   * TLS this is the same as `destroy`, since node cannot reset a TLS socket.
   */
  readonly reset: Effect.Effect<void>
  /**
   * Resolves when the peer is done: it sent FIN (even if it could still
   * read), or the socket closed, whichever side closed it.
   */
  readonly closed: Effect.Effect<void>
}

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
  /** Protocols offered in ALPN, e.g. `["h2", "http/1.1"]`; none by default. */
  readonly ALPNProtocols?: ReadonlyArray<string>
}

/**
 * How to start the server.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Accept TLS: `true` uses {@link TestCerts.leaf}. Defaults to `false`. */
  readonly tls?: boolean | TlsOptions
}

/**
 * A running server.
 *
 * @since 0.1.0
 */
export interface RawServer {
  readonly port: number
  /** Origin of the server, e.g. `http://127.0.0.1:12345` (`https://` with TLS). */
  readonly url: string
  /** TCP connections accepted so far, including failed TLS handshakes. */
  readonly connectionsOpened: number
  readonly openConnections: number
  readonly closedConnections: number
  /**
   * Resolves when `n` TCP connections have been accepted in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitConnections: (n: number, options?: Wait.WaitOptions) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when the server has seen `n` connections close in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitClosedConnections: (
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /**
   * Resolves when `n` scripts have finished in total, whether they succeeded or not; fails with a
   * `WaitTimeout` once `options.timeoutMillis` have passed in real time (default
   * {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitScripts: (n: number, options?: Wait.WaitOptions) => Effect.Effect<void, Wait.WaitTimeout>
  /** The failure (or defect) of the last script that did not succeed. Interruptions are not failures. */
  readonly lastScriptError: Option.Option<unknown>
  /** The last socket or TLS handshake error on any connection, e.g. `ECONNRESET`. */
  readonly lastSocketError: Option.Option<Error>
}

/**
 * A complete HTTP/1.1 response: status line with the standard reason
 * phrase, the headers in the order given, and the body. A Content-Length is
 * added unless the headers already frame the body (Content-Length or
 * Transfer-Encoding). Pass entries to repeat a header name.
 *
 * @since 0.1.0
 */
export const response = (
  status: number,
  headers: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]> = {},
  body = ""
): string => {
  const entries: ReadonlyArray<readonly [string, string]> = isEntries(headers)
    ? headers
    : Object.entries(headers)
  const framed = entries.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))
  const all = framed ? entries : [...entries, ["Content-Length", String(Buffer.byteLength(body))] as const]
  const lines = all.map(([name, value]) => `${name}: ${value}\r\n`).join("")
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Unknown"}\r\n${lines}\r\n${body}`
}

const isEntries = (u: unknown): u is ReadonlyArray<readonly [string, string]> => Array.isArray(u)

const readRequest = (reader: SocketReader): Effect.Effect<RawRequest, Error> =>
  Effect.gen(function* () {
    const head = yield* reader.readUntil("\r\n\r\n")
    // Empty lines before the request line are allowed (RFC 9112 §2.2).
    const [requestLine = "", ...lines] = head
      .replace(/^(\r\n)+/, "")
      .slice(0, -4)
      .split("\r\n")
    const [method, path, httpVersion, ...extra] = requestLine.split(" ")
    if (method === undefined || path === undefined || httpVersion === undefined || extra.length > 0)
      return yield* Effect.fail(new Error(`malformed request line: ${JSON.stringify(requestLine)}`))
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(":")
      if (colon <= 0) return yield* Effect.fail(new Error(`malformed header line: ${JSON.stringify(line)}`))
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    const length = headers["content-length"]
    if (length !== undefined && !/^\d+$/.test(length))
      return yield* Effect.fail(new Error(`malformed Content-Length: ${JSON.stringify(length)}`))
    const body = /\bchunked\b/i.test(headers["transfer-encoding"] ?? "")
      ? yield* readChunked(reader)
      : length !== undefined
        ? yield* reader.readBytes(Number(length))
        : Buffer.alloc(0)
    return { head, method, path, httpVersion, headers, body }
  })

const readChunked = (reader: SocketReader): Effect.Effect<Buffer, Error> =>
  Effect.gen(function* () {
    const chunks: Array<Buffer> = []
    for (;;) {
      const line = yield* reader.readUntil("\r\n")
      const size = Number.parseInt(line.split(";")[0] ?? "", 16)
      if (Number.isNaN(size))
        return yield* Effect.fail(new Error(`malformed chunk size: ${JSON.stringify(line)}`))
      if (size === 0) break
      chunks.push(yield* reader.readBytes(size))
      const end = yield* reader.readBytes(2)
      if (end.toString("latin1") !== "\r\n")
        return yield* Effect.fail(new Error("chunk not followed by CRLF"))
    }
    while ((yield* reader.readUntil("\r\n")) !== "\r\n") {
      // Trailer fields are read only to leave the connection at the next message.
    }
    return Buffer.concat(chunks)
  })

/** Resolves on 'close'. */
const closed = (socket: net.Socket): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (socket.closed) return resume(Effect.void)
    const onClose = () => resume(Effect.void)
    socket.once("close", onClose)
    return Effect.sync(() => {
      socket.off("close", onClose)
    })
  })

/** Resolves on the peer's FIN or on 'close', whichever comes first. */
const peerDone = (socket: net.Socket): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (socket.closed || socket.readableEnded) return resume(Effect.void)
    const onDone = () => resume(Effect.void)
    socket.once("end", onDone)
    socket.once("close", onDone)
    return Effect.sync(() => {
      socket.off("end", onDone)
      socket.off("close", onDone)
    })
  })

const makeConnection = (socket: net.Socket): RawConnection => {
  const reader = new SocketReader(socket)
  return {
    socket,
    readUntil: (delimiter = "\r\n\r\n") => reader.readUntil(delimiter),
    readBytes: (n) => reader.readBytes(n),
    readRequest: readRequest(reader),
    write: (data) =>
      Effect.suspend(() => {
        if (socket.destroyed) return Effect.void
        if (socket.writableEnded) return Effect.dieMessage("RawConnection.write after end")
        return Effect.async<void>((resume) => {
          socket.write(data, () => resume(Effect.void))
        })
      }),
    end: Effect.async<void>((resume) => {
      if (socket.destroyed) return resume(Effect.void)
      socket.end(() => resume(Effect.void))
    }),
    destroy: Effect.suspend(() => {
      socket.destroy()
      return closed(socket)
    }),
    reset: Effect.suspend(() => {
      if (socket instanceof tls.TLSSocket) socket.destroy()
      else socket.resetAndDestroy()
      return closed(socket)
    }),
    closed: peerDone(socket)
  }
}

const createServer = (options: Options): net.Server => {
  // Half-open sockets let the script alone decide when its side is finished.
  // Not under TLS: there node never closes a socket whose handshake failed
  // after the peer's FIN, and TLS has no half-close of its own anyway.
  if (!options.tls) return net.createServer({ allowHalfOpen: true })
  const settings = options.tls === true ? {} : options.tls
  return tls.createServer({
    cert: settings.cert ?? TestCerts.leaf.cert,
    key: settings.key ?? TestCerts.leaf.key,
    ...(settings.ALPNProtocols ? { ALPNProtocols: [...settings.ALPNProtocols] } : {})
  })
}

/**
 * Starts a server on `127.0.0.1` with an ephemeral port; each connection is
 * handed to `script` with its index (0, 1, ... in order of acceptance; under
 * TLS, in order of completed handshakes). Closing the scope interrupts the
 * scripts still running, then closes the server and destroys every
 * connection, waiting until each has emitted 'close'.
 *
 * @since 0.1.0
 */
export const make = (
  script: (conn: RawConnection, index: number) => Effect.Effect<void, unknown>,
  options: Options = {}
): Effect.Effect<RawServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const server = createServer(options)
    const connections = new Connections()
    const scripts = new Counter()
    let accepted = 0
    let lastScriptError: Option.Option<unknown> = Option.none()
    let lastSocketError: Option.Option<Error> = Option.none()
    connections.track(server)
    server.on("tlsClientError", (error: Error) => {
      lastSocketError = Option.some(error)
    })

    const port = yield* Effect.acquireRelease(listen(server), () => connections.shutdown(server))
    // Acquired after the server so it is released first: scripts are stopped
    // while their sockets are still open and do not fail on the shutdown.
    const run = yield* FiberSet.makeRuntime<never, void, never>()

    server.on(options.tls ? "secureConnection" : "connection", (socket: net.Socket) => {
      socket.on("error", (error) => {
        lastSocketError = Option.some(error)
      })
      run(
        Effect.suspend(() => script(makeConnection(socket), accepted++)).pipe(
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.void
              : Effect.zipRight(
                  Effect.sync(() => {
                    lastScriptError = Option.some(Cause.squash(cause))
                  }),
                  Effect.logDebug("RawServer script failed", cause)
                )
          ),
          Effect.ensuring(
            Effect.sync(() => {
              if (!socket.writableEnded) socket.destroy()
              scripts.increment()
            })
          )
        )
      )
    })

    return {
      port,
      url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
      get connectionsOpened() {
        return connections.opened.value
      },
      get openConnections() {
        return connections.open
      },
      get closedConnections() {
        return connections.closed.value
      },
      awaitConnections: (n, options) =>
        connections.opened.awaitWithin(n, "awaitConnections", "accepted connection", options),
      awaitClosedConnections: (n, options) =>
        connections.closed.awaitWithin(n, "awaitClosedConnections", "closed connection", options),
      awaitScripts: (n, options) => scripts.awaitWithin(n, "awaitScripts", "finished script", options),
      get lastScriptError() {
        return lastScriptError
      },
      get lastSocketError() {
        return lastSocketError
      }
    }
  })
