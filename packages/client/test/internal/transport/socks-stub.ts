import * as net from "node:net"
import { Effect } from "effect"

/** Where the stub hangs up instead of answering, to test a proxy that closes mid-handshake. */
export type CloseAt = "greeting" | "authentication" | "connect"

export interface SocksStubOptions {
  readonly closeAt?: CloseAt
  /** SOCKS4a: answer 0x5B (rejected) instead of 0x5A. */
  readonly reject?: boolean
}

export interface SocksStub {
  readonly port: number
  /** `user:password` per SOCKS5 authentication, `user` per SOCKS4a request. */
  readonly credentials: Array<string>
  /** The destinations asked for, `host:port`. */
  readonly destinations: Array<string>
  readonly server: net.Server
  readonly sockets: Set<net.Socket>
}

const socks4a = (stub: SocksStub, client: net.Socket, chunk: Buffer, options: SocksStubOptions) => {
  // VN CD DSTPORT(2) DSTIP(4) USERID\0 HOSTNAME\0; DSTIP 0.0.0.x means "the name follows".
  const port = chunk.readUInt16BE(2)
  const userEnd = chunk.indexOf(0, 8)
  stub.credentials.push(chunk.subarray(8, userEnd).toString())
  const host = chunk.subarray(userEnd + 1, chunk.indexOf(0, userEnd + 1)).toString()
  stub.destinations.push(`${host}:${port}`)
  if (options.closeAt === "connect") return client.destroy()
  client.write(Buffer.from([0, options.reject === true ? 0x5b : 0x5a, 0, 80, 127, 0, 0, 1]))
}

const socks5 = (stub: SocksStub, client: net.Socket, options: SocksStubOptions) => {
  let step = 0
  return (chunk: Buffer) => {
    if (step === 0) {
      if (options.closeAt === "greeting") return client.destroy()
      // Greeting: version, method count, methods. 0x02 is username/password.
      client.write(Buffer.from([5, chunk.subarray(2).includes(2) ? 2 : 0xff]))
    } else if (step === 1) {
      if (options.closeAt === "authentication") return client.destroy()
      const userLength = chunk[1]!
      const user = chunk.subarray(2, 2 + userLength).toString()
      const password = chunk.subarray(3 + userLength, 3 + userLength + chunk[2 + userLength]!).toString()
      stub.credentials.push(`${user}:${password}`)
      const ok = user === "user" && password === "pw"
      client.write(Buffer.from([1, ok ? 0 : 1]))
      if (!ok) client.end()
    } else {
      // VER CMD RSV ATYP=3 LEN NAME PORT(2)
      const length = chunk[4]!
      stub.destinations.push(`${chunk.subarray(5, 5 + length).toString()}:${chunk.readUInt16BE(5 + length)}`)
      if (options.closeAt === "connect") return client.destroy()
      client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]))
    }
    step++
  }
}

/**
 * Just enough of a SOCKS server to see what a client sends: SOCKS5
 * (RFC 1928, RFC 1929) asking for username/password and accepting
 * `user`/`pw`, and SOCKS4a. It answers the CONNECT with success without
 * connecting anywhere, or hangs up where told. Real proxying is for the
 * dante interop tests.
 */
export const socksStub = (options: SocksStubOptions = {}) =>
  Effect.acquireRelease(
    Effect.async<SocksStub>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((client) => {
        sockets.add(client)
        client.on("close", () => sockets.delete(client))
        client.on("error", () => client.destroy())
        let onData: ((chunk: Buffer) => void) | undefined
        client.on("data", (chunk: Buffer) => {
          if (onData === undefined) {
            if (chunk[0] === 4) return socks4a(stub, client, chunk, options)
            onData = socks5(stub, client, options)
          }
          onData(chunk)
        })
      })
      const stub: SocksStub = { port: 0, credentials: [], destinations: [], server, sockets }
      server.listen(0, "127.0.0.1", () => {
        resume(Effect.succeed({ ...stub, port: (server.address() as net.AddressInfo).port }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  )
