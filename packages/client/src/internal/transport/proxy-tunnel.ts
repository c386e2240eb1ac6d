/**
 * The proxy handshakes: an HTTP CONNECT tunnel (RFC 9110 §9.3.6) and SOCKS
 * (through the `socks` package). Each takes a socket already connected to the
 * proxy and answers with a socket that reaches the origin.
 *
 * @internal
 */
import type * as net from "node:net"
import * as Effect from "effect/Effect"
import type * as Socks from "socks"
import type { Endpoint, Proxy } from "../../Endpoint.js"
import { ClosedError, ProxyError } from "../../Errors.js"
import { lazyImport } from "../lazy/modules.js"
import { basicAuthorization } from "./routing.js"

// The socks package takes tens of milliseconds to load: the first SOCKS tunnel loads it.
const socksModule = lazyImport((): Promise<typeof Socks> => import("socks"))

/** A CONNECT answer longer than this is not a proxy we can talk to. */
const MAX_HEAD = 16 * 1024

const statusLine = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?/

/**
 * Asks the proxy on `socket` for a tunnel to the endpoint's origin. Bytes the
 * proxy sent after its answer stay readable on the socket.
 *
 * @internal
 */
export const connectTunnel = (
  endpoint: Endpoint,
  proxy: Proxy,
  socket: net.Socket
): Effect.Effect<net.Socket, ProxyError | ClosedError> =>
  Effect.async<net.Socket, ProxyError | ClosedError>((resume) => {
    const hostPart = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host
    const authority = `${hostPart}:${endpoint.port}`
    let head = `CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n`
    if (proxy.username !== undefined) head += `proxy-authorization: ${basicAuthorization(proxy)}\r\n`
    head += "\r\n"
    const chunks: Array<Buffer> = []
    let length = 0
    const cleanup = () => {
      socket.off("data", onData)
      socket.off("end", onClose)
      socket.off("close", onClose)
      socket.off("error", onError)
    }
    const closed = (cause: unknown) =>
      new ClosedError({
        endpoint: endpoint.key,
        protocol: "http/1.1",
        phase: "proxy",
        reused: false,
        responseStarted: length > 0,
        cause
      })
    const onClose = () => {
      cleanup()
      resume(Effect.fail(closed(new Error("proxy closed the connection before answering CONNECT"))))
    }
    const onError = (cause: Error) => {
      cleanup()
      resume(Effect.fail(closed(cause)))
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
      const buffer = chunks.length === 1 ? chunk : Buffer.concat(chunks, length)
      const end = buffer.indexOf("\r\n\r\n")
      if (end < 0) {
        if (length > MAX_HEAD) {
          cleanup()
          resume(Effect.fail(refused(endpoint, proxy, undefined, "answer to CONNECT too long", undefined)))
        }
        return
      }
      cleanup()
      const match = statusLine.exec(buffer.toString("latin1", 0, end))
      const status = match === null ? undefined : Number(match[1])
      if (status === undefined || status < 200 || status > 299) {
        const reason = match === null ? "malformed answer to CONNECT" : (match[2] ?? "")
        return resume(Effect.fail(refused(endpoint, proxy, status, reason, undefined)))
      }
      if (end + 4 < buffer.length) socket.unshift(buffer.subarray(end + 4))
      resume(Effect.succeed(socket))
    }
    socket.on("data", onData)
    socket.once("end", onClose)
    socket.once("close", onClose)
    socket.once("error", onError)
    socket.write(head)
    return Effect.sync(cleanup)
  })

const closed = (endpoint: Endpoint, cause: unknown): ClosedError =>
  new ClosedError({
    endpoint: endpoint.key,
    protocol: "http/1.1",
    phase: "proxy",
    reused: false,
    responseStarted: false,
    cause
  })

const refused = (
  endpoint: Endpoint,
  proxy: Proxy,
  status: number | undefined,
  reason: string,
  cause: unknown
): ProxyError => new ProxyError({ endpoint: endpoint.key, proxy: proxy.key, status, reason, cause })

/**
 * The SOCKS reply by name (RFC 1928 §6 for SOCKS5, e.g. `ConnectionRefused`,
 * `HostUnreachable`, `NotAllowed`; for SOCKS4 `Failed` (91), `Rejected` (92)
 * and `RejectedIdent` (93)), from the message
 * the `socks` package words it in: "Socks5 proxy rejected connection - ConnectionRefused".
 */
const socksReason = (message: string): string => {
  if (message.includes("Authentication failed")) return "AuthenticationFailed"
  if (message.includes("no accepted authentication type")) return "NoAcceptableAuthMethod"
  const dash = message.lastIndexOf(" - ")
  return dash < 0 ? message : message.slice(dash + 3).replace(/[()]/g, "")
}

/**
 * Runs the SOCKS handshake on `socket` for a connection to `host` (a name
 * for remote DNS, else an address resolved here) and the endpoint's port.
 *
 * @internal
 */
export const socksTunnel = (
  endpoint: Endpoint,
  proxy: Proxy,
  socket: net.Socket,
  host: string
): Effect.Effect<net.Socket, ProxyError | ClosedError> =>
  Effect.flatMap(socksModule, ({ SocksClient }) => socksHandshake(SocksClient, endpoint, proxy, socket, host))

const socksHandshake = (
  SocksClient: typeof Socks.SocksClient,
  endpoint: Endpoint,
  proxy: Proxy,
  socket: net.Socket,
  host: string
): Effect.Effect<net.Socket, ProxyError | ClosedError> =>
  Effect.async<net.Socket, ProxyError | ClosedError>((resume) => {
    let done = false
    // The package leaves errors of an existing socket to its owner.
    const onClose = () => {
      if (done) return
      done = true
      resume(
        Effect.fail(closed(endpoint, new Error("SOCKS proxy closed the connection during the handshake")))
      )
    }
    socket.once("close", onClose)
    SocksClient.createConnection({
      command: "connect",
      existing_socket: socket,
      destination: { host, port: endpoint.port },
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: proxy.protocol === "socks4a" ? 4 : 5,
        ...(proxy.username !== undefined ? { userId: proxy.username } : {}),
        ...(proxy.password !== undefined ? { password: proxy.password } : {})
      }
    }).then(
      () => {
        socket.off("close", onClose)
        if (done) return
        done = true
        resume(Effect.succeed(socket))
      },
      (cause: unknown) => {
        socket.off("close", onClose)
        if (done) return
        done = true
        const message = cause instanceof Error ? cause.message : String(cause)
        resume(
          Effect.fail(
            message === "Socket closed"
              ? closed(endpoint, cause)
              : refused(endpoint, proxy, undefined, socksReason(message), cause)
          )
        )
      }
    )
    return Effect.sync(() => {
      done = true
      socket.off("close", onClose)
    })
  })
