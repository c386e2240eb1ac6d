import * as net from "node:net"
import { Effect } from "effect"

/**
 * Just enough of a SOCKS5 server (RFC 1928, RFC 1929) to see what a client
 * offers: it asks for username/password, records the credentials, accepts
 * them when they are `user`/`pw`, and answers the CONNECT with success
 * without connecting anywhere. Real proxying is for the dante interop tests.
 */
export const socksStub = Effect.acquireRelease(
  Effect.async<{ port: number; credentials: Array<string>; server: net.Server; sockets: Set<net.Socket> }>(
    (resume) => {
      const credentials: Array<string> = []
      const sockets = new Set<net.Socket>()
      const server = net.createServer((client) => {
        sockets.add(client)
        client.on("close", () => sockets.delete(client))
        client.on("error", () => client.destroy())
        let step = 0
        client.on("data", (chunk: Buffer) => {
          if (step === 0) {
            // Greeting: version, method count, methods. 0x02 is username/password.
            client.write(Buffer.from([5, chunk.subarray(2).includes(2) ? 2 : 0xff]))
          } else if (step === 1) {
            const userLength = chunk[1]!
            const user = chunk.subarray(2, 2 + userLength).toString()
            const password = chunk
              .subarray(3 + userLength, 3 + userLength + chunk[2 + userLength]!)
              .toString()
            credentials.push(`${user}:${password}`)
            const ok = user === "user" && password === "pw"
            client.write(Buffer.from([1, ok ? 0 : 1]))
            if (!ok) client.end()
          } else {
            client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]))
          }
          step++
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo
        resume(Effect.succeed({ port, credentials, server, sockets }))
      })
    }
  ),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
)
