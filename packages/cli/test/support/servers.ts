import type * as http from "node:http"
import * as http2 from "node:http2"
import * as net from "node:net"
import * as Effect from "effect/Effect"

/** A TCP server on loopback whose sockets get `onSocket`; closed with the scope. Gives its port. */
export const tcpServer = (onSocket: (socket: net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: net.Server; readonly sockets: Set<net.Socket> }>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((socket) => {
        sockets.add(socket)
        socket.once("close", () => sockets.delete(socket))
        socket.on("error", () => socket.destroy())
        onSocket(socket)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        for (const socket of sockets) socket.destroy()
      })
  ).pipe(Effect.map(({ server }) => (server.address() as net.AddressInfo).port))

/** A TCP server that writes `reply` once the first bytes of a request arrive, then runs `after`. */
export const replyServer = (reply: string | Buffer, after: (socket: net.Socket) => void = () => undefined) =>
  tcpServer((socket) =>
    socket.once("data", () => {
      socket.write(reply, () => after(socket))
    })
  )

/** A port nothing listens on: one the system just handed out and took back. */
export const closedPort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A clear-text HTTP/2 server on loopback whose sessions get `onSession`; closed with the scope. Gives its port. */
export const h2cServer = (onSession: (session: http2.ServerHttp2Session) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: http2.Http2Server; readonly sessions: Set<http2.ServerHttp2Session> }>(
      (resume) => {
        const sessions = new Set<http2.ServerHttp2Session>()
        const server = http2.createServer()
        server.on("session", (session) => {
          sessions.add(session)
          session.once("close", () => sessions.delete(session))
          session.on("error", () => session.destroy())
          onSession(session)
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sessions })))
      }
    ),
    ({ server, sessions }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        for (const session of sessions) session.destroy()
      })
  ).pipe(Effect.map(({ server }) => (server.address() as net.AddressInfo).port))

/** A request handler that reads the whole body first. */
export const handler =
  (f: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) =>
  (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.once("end", () => f(req, res, Buffer.concat(chunks).toString("utf8")))
  }
