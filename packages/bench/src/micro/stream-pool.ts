/**
 * Time to a usable stream, in microseconds (median and p99 of 2,000): taken
 * from a warm stream pool (server `incoming` + client `get`, then one byte
 * each way), a fresh stream opened on an existing HTTP/2 connection (the
 * same extended CONNECT, then one byte each way), and a new TCP+TLS
 * connection (handshake, then one byte each way). Loopback, TLS with the
 * test certificates.
 *
 * On loopback a round trip costs nothing but CPU, and the pool's refill runs
 * in this same process, so there the pool saves the handshake only. With
 * `--delay-ms D` every connection goes through a relay that holds each chunk
 * D ms each way, a link with a 2 × D ms round trip: a fresh stream then waits
 * a round trip for its answer and a new connection two more for TCP and TLS,
 * while a pooled stream is ready before it is asked for.
 *
 * Run with `npx tsx packages/bench/src/micro/stream-pool.ts [--delay-ms 1] [--n 2000]`.
 */
import { TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import * as http2 from "node:http2"
import * as net from "node:net"
import * as tls from "node:tls"
import type { Duplex } from "node:stream"
import * as StreamPool from "../../../client/src/StreamPool.js"

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const N = argument("n", 2_000)
const DELAY_MS = argument("delay-ms", 0)

/** Forwards `target`, each chunk held DELAY_MS each way (in order: every chunk waits the same). */
const delayed = (target: number): Promise<number> =>
  DELAY_MS === 0
    ? Promise.resolve(target)
    : new Promise((resolve) => {
        const hold = (from: net.Socket, to: net.Socket) => {
          from.on("data", (chunk: Buffer) => setTimeout(() => to.destroyed || to.write(chunk), DELAY_MS))
          from.on("end", () => setTimeout(() => to.end(), DELAY_MS))
          from.on("error", () => to.destroy())
        }
        const relay = net.createServer((inbound) => {
          const outbound = net.connect(target, "127.0.0.1")
          // Nagle's algorithm against delayed ACKs would add 40 ms stalls no real link has.
          inbound.setNoDelay(true)
          outbound.setNoDelay(true)
          hold(inbound, outbound)
          hold(outbound, inbound)
        })
        relay.unref()
        relay.listen(0, "127.0.0.1", () => resolve((relay.address() as net.AddressInfo).port))
      })

const oneByteEachWay = (a: Duplex, b: Duplex) =>
  new Promise<void>((resolve) => {
    b.once("data", () => {
      a.once("data", () => resolve())
      b.write("y")
    })
    a.write("x")
  })

/** CPU of the whole process (both ends, and the pool's refill) per stream, since `from`. */
const cpuPer = (from: NodeJS.CpuUsage, n: number) => {
  const used = process.cpuUsage(from)
  return (used.user + used.system) / n
}

const summary = (name: string, micros: Array<number>, cpuMicros: number) => {
  micros.sort((x, y) => x - y)
  const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))]!.toFixed(0)
  console.log(
    `${name.padEnd(36)} delay ${DELAY_MS} ms  median ${at(0.5).padStart(6)} µs   p99 ${at(0.99).padStart(6)} µs   ` +
      `CPU ${cpuMicros.toFixed(0).padStart(5)} µs per stream`
  )
}

const main = Effect.gen(function* () {
  const scope = yield* Scope.make()
  const server = yield* Scope.extend(StreamPool.server({ tls: TestCerts.leaf, maxCapacity: 256 }), scope)
  const client = yield* Scope.extend(
    StreamPool.client({
      resolve: Effect.succeed(`127.0.0.1:${yield* Effect.promise(() => delayed(server.address.port))}`),
      tls: { ca: TestCerts.ca, servername: "localhost" },
      minCapacity: 64,
      maxCapacity: 256,
      minInterval: "1 millis"
    }),
    scope
  )
  const pooled: Array<number> = []
  let cpu = process.cpuUsage()
  for (let i = 0; i < N; i++) {
    const started = performance.now()
    yield* Effect.scoped(
      Effect.gen(function* () {
        const incoming = yield* server.incoming("5 seconds")
        const outgoing = yield* client.get(incoming.id, "5 seconds")
        yield* Effect.promise(() => oneByteEachWay(outgoing.duplex, incoming.duplex))
      })
    )
    pooled.push((performance.now() - started) * 1000)
  }
  summary("pooled stream (incoming + get)", pooled, cpuPer(cpu, N))

  // Fresh streams on one warm connection, answered by a plain http2 server.
  const raw = http2.createSecureServer({ ...TestCerts.leaf, settings: { enableConnectProtocol: true } })
  raw.on("stream", (stream) => {
    stream.respond({ ":status": 200 })
    stream.on("data", () => stream.write("y"))
    stream.on("end", () => stream.end())
    stream.on("error", () => stream.destroy())
  })
  yield* Effect.promise(() => new Promise<void>((r) => raw.listen(0, "127.0.0.1", () => r())))
  const port = yield* Effect.promise(() => delayed((raw.address() as { port: number }).port))
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: TestCerts.ca, servername: "localhost" })
  yield* Effect.promise(() => new Promise((r) => session.once("remoteSettings", r)))
  const fresh: Array<number> = []
  cpu = process.cpuUsage()
  for (let i = 0; i < N; i++) {
    const started = performance.now()
    yield* Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          const stream = session.request({
            ":method": "CONNECT",
            ":protocol": "stream-pool",
            ":scheme": "https",
            ":path": "/",
            ":authority": `localhost:${port}`
          })
          stream.on("error", () => stream.destroy())
          stream.once("response", () => {
            stream.once("data", () => {
              stream.end()
              stream.resume()
              resolve()
            })
            stream.write("x")
          })
        })
    )
    fresh.push((performance.now() - started) * 1000)
  }
  summary("fresh stream on a warm connection", fresh, cpuPer(cpu, N))
  session.close()

  const echo = tls.createServer({ ...TestCerts.leaf }, (socket) => {
    socket.on("data", () => socket.end("y"))
    socket.on("error", () => socket.destroy())
  })
  yield* Effect.promise(() => new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r())))
  const tlsPort = yield* Effect.promise(() => delayed((echo.address() as { port: number }).port))
  const connections: Array<number> = []
  cpu = process.cpuUsage()
  for (let i = 0; i < N / 4; i++) {
    const started = performance.now()
    yield* Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          const socket = tls.connect(
            { port: tlsPort, host: "127.0.0.1", servername: "localhost", ca: TestCerts.ca },
            () => {
              socket.once("data", () => {
                socket.destroy()
                resolve()
              })
              socket.write("x")
            }
          )
        })
    )
    connections.push((performance.now() - started) * 1000)
  }
  summary("new TCP+TLS connection", connections, cpuPer(cpu, N / 4))
  echo.close()
  raw.close()
  yield* Scope.close(scope, Exit.void)
})

Effect.runPromise(main).then(() => process.exit(0))
