/**
 * Plain node clients for exercising the servers over real sockets, wrapped
 * as effects that settle on socket events.
 */
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import * as tls from "node:tls"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"

export interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

export interface RequestOptions extends https.RequestOptions {
  readonly body?: string | Uint8Array
}

/** One request with node's own client; fails on any error, including a body cut short. */
export const request = (url: string, options: RequestOptions = {}): Effect.Effect<Reply, Error> =>
  Effect.async<Reply, Error>((resume) => {
    const { body, ...rest } = options
    const req = (url.startsWith("https:") ? https : http).request(url, { agent: false, ...rest }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.once("error", (error) => resume(Effect.fail(error)))
      res.once("end", () =>
        resume(
          Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
        )
      )
    })
    req.once("error", (error) => resume(Effect.fail(error)))
    req.end(body)
    return Effect.sync(() => {
      req.destroy()
    })
  })

export const json = (reply: Reply): unknown => JSON.parse(reply.body.toString("utf8"))

/** A TCP connection, destroyed when the scope closes. */
export const connect = (port: number): Effect.Effect<net.Socket, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<net.Socket, Error>((resume) => {
      const socket = net.connect({ port, host: "127.0.0.1" })
      socket.once("error", (error) => resume(Effect.fail(error)))
      socket.once("connect", () => resume(Effect.succeed(socket)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** A TLS connection, once its handshake succeeded; destroyed when the scope closes. */
export const connectTls = (
  port: number,
  options: tls.ConnectionOptions
): Effect.Effect<tls.TLSSocket, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<tls.TLSSocket, Error>((resume) => {
      const socket = tls.connect({ port, host: "127.0.0.1", ...options })
      socket.once("error", (error) => {
        socket.destroy()
        resume(Effect.fail(error))
      })
      socket.once("secureConnect", () => resume(Effect.succeed(socket)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** Everything the socket receives until the peer ends it; fails if it errors first. */
export const readAll = (socket: net.Socket): Effect.Effect<Buffer, Error> =>
  Effect.async<Buffer, Error>((resume) => {
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.once("error", (error) => resume(Effect.fail(error)))
    socket.once("end", () => resume(Effect.succeed(Buffer.concat(chunks))))
  })

/**
 * Resolves when the socket has emitted 'close'. Unread input is discarded:
 * a paused socket would never see the peer's FIN.
 */
export const closed = (socket: net.Socket): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (socket.closed) return resume(Effect.void)
    socket.once("close", () => resume(Effect.void))
    socket.resume()
  })

/** Writes and waits until node has flushed the bytes. */
export const write = (socket: net.Socket, data: string | Uint8Array): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    socket.write(data, (error) => resume(error ? Effect.fail(error) : Effect.void))
  })
