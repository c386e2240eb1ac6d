/** The fallback server: node:http with keep-alive, in its own process, counting connections and requests. */
import * as http from "node:http"
import { resourceBody, resources } from "./resources.js"

const bodies = new Map<string, Buffer>(
  Object.values(resources).map((resource) => [resource.path, resourceBody(resource)])
)

let connections = 0
let requests = 0

const server = http.createServer((request, response) => {
  requests++
  const body = request.url === undefined ? undefined : bodies.get(request.url)
  if (body === undefined) {
    response.writeHead(404, { "Content-Length": 0 }).end()
    return
  }
  response.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.byteLength })
  response.end(body)
})
// Idle gaps between rounds must not close connections a client still holds.
server.keepAliveTimeout = 120_000
server.headersTimeout = 121_000
server.maxRequestsPerSocket = 0
server.on("connection", () => connections++)

process.on("message", (message: unknown) => {
  if (typeof message === "object" && message !== null && "type" in message && message.type === "stats") {
    process.send?.({ type: "stats", connections, requests })
  }
})

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (typeof address !== "object" || address === null)
    throw new Error(`unexpected address ${String(address)}`)
  process.send?.({ type: "listening", port: address.port })
})
