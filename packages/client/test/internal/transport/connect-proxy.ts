import * as net from "node:net"
import * as tls from "node:tls"
import { TestCerts } from "@effect-requests/testing"
import { Effect } from "effect"

export type Answer = "tunnel" | "close" | number

/**
 * A CONNECT proxy for the test: answers every CONNECT as told, and on
 * `tunnel` splices the connection to the target. Records what it was asked.
 * With `secure`, clients reach it over TLS (an `https://` proxy), with the
 * test certificate.
 */
export const connectProxy = (answer: Answer, secure = false) =>
  Effect.acquireRelease(
    Effect.async<{ port: number; heads: Array<string>; server: net.Server; sockets: Set<net.Socket> }>(
      (resume) => {
        const heads: Array<string> = []
        const sockets = new Set<net.Socket>()
        const onClient = (client: net.Socket) => {
          sockets.add(client)
          client.on("close", () => sockets.delete(client))
          let received = ""
          const onData = (chunk: Buffer) => {
            received += chunk.toString("latin1")
            const end = received.indexOf("\r\n\r\n")
            if (end < 0) return
            client.off("data", onData)
            heads.push(received.slice(0, end))
            if (answer === "close") return client.destroy()
            if (typeof answer === "number")
              return client.end(`HTTP/1.1 ${answer} Refused\r\ncontent-length: 0\r\n\r\n`)
            const [host, port] = received.split(" ")[1]!.split(":")
            // Every name the tests use lives on loopback.
            const upstream = net.connect(
              Number(port),
              net.isIP(host ?? "") === 0 ? "127.0.0.1" : host,
              () => {
                client.write("HTTP/1.1 200 Connection established\r\n\r\n")
                client.pipe(upstream).pipe(client)
              }
            )
            upstream.on("error", () => client.destroy())
            client.on("error", () => upstream.destroy())
            // Either side gone ends the tunnel, as a proxy frees a tunnel whose client left.
            client.on("close", () => upstream.destroy())
            upstream.on("close", () => client.destroy())
          }
          client.on("data", onData)
        }
        const server = secure ? tls.createServer({ ...TestCerts.leaf }, onClient) : net.createServer(onClient)
        server.listen(0, "127.0.0.1", () => {
          const address = server.address() as net.AddressInfo
          resume(Effect.succeed({ port: address.port, heads, server, sockets }))
        })
      }
    ),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  )
