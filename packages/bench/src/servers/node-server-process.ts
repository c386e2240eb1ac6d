/**
 * The fallback server, in its own process: node:http on every clear-text port, node:https, and node:http2
 * over TLS (HTTP/2 only, and offering HTTP/1.1 as well) and in clear text, all counting connections and
 * requests for the harness.
 */
import * as http from "node:http"
import * as http2 from "node:http2"
import * as https from "node:https"
import type * as net from "node:net"
import type * as tls from "node:tls"
import { readCerts } from "./certs.js"
import { http2MaxConcurrentStreams } from "./nginx-config.js"
import { resourceBody, resources, uploadPrefix } from "./resources.js"
import { httpOriginCount } from "./types.js"
import type { Listeners } from "./types.js"

const host = "127.0.0.1"
const certs = readCerts()
const bodies = new Map<string, Buffer>(
  Object.values(resources).map((resource) => [resource.path, resourceBody(resource)])
)

let connections = 0
let requests = 0

type Request = http.IncomingMessage | http2.Http2ServerRequest
type Response = http.ServerResponse | http2.Http2ServerResponse

/** Uploads are read to the end before the answer, as nginx's WebDAV PUT does. */
const handle = (request: Request, response: Response): void => {
  requests++
  const url = request.url ?? ""
  if (request.method === "PUT" && url.startsWith(uploadPrefix)) {
    request.on("data", () => undefined)
    request.on("end", () => {
      response.writeHead(204)
      response.end()
    })
    return
  }
  const body = request.method === "GET" ? bodies.get(url) : undefined
  if (body === undefined) {
    response.writeHead(404, { "Content-Length": 0 })
    response.end()
    return
  }
  response.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.byteLength })
  response.end(body)
}

/**
 * A client that offers only http/1.1 is refused during the TLS handshake; one that offers no ALPN at all
 * lands here, and gets the 505 nginx would send rather than a connection held open until a timeout.
 */
const refuseHttp1 = (socket: tls.TLSSocket): void => {
  socket.end("HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.on("connection", () => connections++)
    server.listen(0, host, () => {
      const address = server.address()
      if (typeof address === "object" && address !== null) resolve(address.port)
      else reject(new Error(`unexpected address ${String(address)}`))
    })
  })

const keepAlive = <S extends http.Server | https.Server>(server: S): S => {
  // Idle gaps between rounds must not close connections a client still holds.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 121_000
  server.maxRequestsPerSocket = 0
  return server
}

const http2Settings = { maxConcurrentStreams: http2MaxConcurrentStreams }

const start = async (): Promise<Listeners> => {
  const http1Ports: Array<number> = []
  while (http1Ports.length < httpOriginCount) {
    http1Ports.push(await listen(keepAlive(http.createServer(handle))))
  }
  const https1 = await listen(keepAlive(https.createServer({ cert: certs.cert, key: certs.key }, handle)))
  const h2Server = http2.createSecureServer(
    { cert: certs.cert, key: certs.key, allowHTTP1: false, settings: http2Settings },
    handle
  )
  h2Server.on("unknownProtocol", refuseHttp1)
  const h2 = await listen(h2Server)
  const h2c = await listen(http2.createServer({ settings: http2Settings }, handle))
  // Its HTTP/1.1 connections have no keep-alive timeout at all: node:http2 leaves it unset.
  const alpn = await listen(
    http2.createSecureServer(
      { cert: certs.cert, key: certs.key, allowHTTP1: true, settings: http2Settings },
      handle
    )
  )
  return { http: http1Ports, https: https1, h2, h2c, upload: http1Ports[0] ?? Number.NaN, alpn }
}

process.on("message", (message: unknown) => {
  if (typeof message === "object" && message !== null && "type" in message && message.type === "stats") {
    process.send?.({ type: "stats", connections, requests })
  }
})

start().then(
  (listeners) => process.send?.({ type: "listening", listeners }),
  (error: unknown) => {
    // The parent sees the exit and reports the captured output.
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  }
)
