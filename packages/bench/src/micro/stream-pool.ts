/**
 * Time to a usable stream, in microseconds (median and p99 of 2,000): taken
 * from a warm stream pool (server `incoming` + client `get`, then one byte
 * each way), a fresh stream opened on an existing HTTP/2 connection (the
 * same extended CONNECT, then one byte each way), and a new TCP+TLS
 * connection (handshake, then one byte each way). Loopback, TLS with the
 * test certificates.
 *
 * Run with `npx tsx packages/bench/src/micro/stream-pool.ts`.
 */
import { TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import * as http2 from "node:http2"
import * as tls from "node:tls"
import type { Duplex } from "node:stream"
import * as StreamPool from "../../../client/src/StreamPool.js"

const N = 2_000

const oneByteEachWay = (a: Duplex, b: Duplex) =>
  new Promise<void>((resolve) => {
    b.once("data", () => {
      a.once("data", () => resolve())
      b.write("y")
    })
    a.write("x")
  })

const summary = (name: string, micros: Array<number>) => {
  micros.sort((x, y) => x - y)
  const at = (q: number) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))]!.toFixed(0)
  console.log(`${name.padEnd(36)} median ${at(0.5).padStart(6)} µs   p99 ${at(0.99).padStart(6)} µs`)
}

const main = Effect.gen(function* () {
  const scope = yield* Scope.make()
  const server = yield* Scope.extend(StreamPool.server({ tls: TestCerts.leaf, maxCapacity: 256 }), scope)
  const client = yield* Scope.extend(
    StreamPool.client({
      resolve: Effect.succeed(`127.0.0.1:${server.address.port}`),
      tls: { ca: TestCerts.ca, servername: "localhost" },
      minCapacity: 64,
      maxCapacity: 256,
      minInterval: "1 millis"
    }),
    scope
  )
  const pooled: Array<number> = []
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
  summary("pooled stream (incoming + get)", pooled)

  // Fresh streams on one warm connection, answered by a plain http2 server.
  const raw = http2.createSecureServer({ ...TestCerts.leaf, settings: { enableConnectProtocol: true } })
  raw.on("stream", (stream) => {
    stream.respond({ ":status": 200 })
    stream.on("data", () => stream.write("y"))
    stream.on("end", () => stream.end())
    stream.on("error", () => stream.destroy())
  })
  yield* Effect.promise(() => new Promise<void>((r) => raw.listen(0, "127.0.0.1", () => r())))
  const port = (raw.address() as { port: number }).port
  const session = http2.connect(`https://localhost:${port}`, { ca: TestCerts.ca })
  yield* Effect.promise(() => new Promise((r) => session.once("remoteSettings", r)))
  const fresh: Array<number> = []
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
  summary("fresh stream on a warm connection", fresh)
  session.close()

  const echo = tls.createServer({ ...TestCerts.leaf }, (socket) => {
    socket.on("data", () => socket.end("y"))
    socket.on("error", () => socket.destroy())
  })
  yield* Effect.promise(() => new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r())))
  const tlsPort = (echo.address() as { port: number }).port
  const connections: Array<number> = []
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
  summary("new TCP+TLS connection", connections)
  echo.close()
  raw.close()
  yield* Scope.close(scope, Exit.void)
})

Effect.runPromise(main).then(() => process.exit(0))
