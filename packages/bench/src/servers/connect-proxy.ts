import * as net from "node:net"

/** A CONNECT proxy in the harness's process, for the scenario that puts one in the path. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * Splices each CONNECT tunnel to its loopback target, as a forward proxy does once the tunnel is up. It
 * runs outside the clients' processes, so its work never shows in their CPU figures; both clients of the
 * scenario go through the same proxy.
 */
export const startConnectProxy = (): Promise<ConnectProxy> => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    sockets.add(client)
    client.on("close", () => sockets.delete(client))
    client.on("error", () => client.destroy())
    let head = ""
    const onData = (chunk: Buffer): void => {
      head += chunk.toString("latin1")
      const end = head.indexOf("\r\n\r\n")
      if (end < 0) return
      client.off("data", onData)
      const [method, authority = ""] = head.split(" ")
      const colon = authority.lastIndexOf(":")
      const port = Number(authority.slice(colon + 1))
      if (method !== "CONNECT" || !Number.isInteger(port)) {
        client.end("HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
        return
      }
      // Only loopback: whatever the name, the bench's servers are there.
      const upstream = net.connect({ host: "127.0.0.1", port, noDelay: true }, () => {
        client.write("HTTP/1.1 200 Connection established\r\n\r\n")
        const rest = Buffer.from(head.slice(end + 4), "latin1")
        if (rest.length > 0) upstream.write(rest)
        client.pipe(upstream).pipe(client)
      })
      sockets.add(upstream)
      upstream.on("close", () => sockets.delete(upstream))
      upstream.on("error", () => client.destroy())
      client.on("close", () => upstream.destroy())
    }
    client.setNoDelay(true)
    client.on("data", onData)
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
}
