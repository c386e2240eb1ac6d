/**
 * Throughput and CPU per MiB of bytes carried through stream pool streams,
 * as the tunnel example carries them (a TCP socket piped to a pooled HTTP/2
 * stream at each end), against the same bytes over one direct TCP
 * connection. Loopback; a source server writes the bytes, a sink reads and
 * discards them; everything runs in this one process, so CPU is the whole
 * process's (`process.cpuUsage`): the direct figure is what source and sink
 * cost, the tunnel's on top of it is what the two pool ends add.
 *
 * Run with `npx tsx packages/bench/src/micro/tunnel.ts [--rounds 5] [--mib 128]`.
 */
import { TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as net from "node:net"
import * as StreamPool from "../../../client/src/StreamPool.js"

const MiB = 1024 * 1024
const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const ROUNDS = argument("rounds", 5)
const TOTAL_MIB = argument("mib", 128)

/** A server that writes `mib` MiB to every connection, then ends it. */
const source = (mib: number) =>
  new Promise<net.Server>((resolve) => {
    const block = Buffer.alloc(MiB, 0x5a)
    const server = net.createServer((socket) => {
      socket.on("error", () => socket.destroy())
      let left = mib
      const pump = () => {
        while (left > 0) {
          left--
          if (!socket.write(block)) return void socket.once("drain", pump)
        }
        socket.end()
      }
      pump()
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port

/** Connects to `port` and counts bytes until the end. */
const sink = (port: number) =>
  new Promise<number>((resolve, reject) => {
    let bytes = 0
    const socket = net.connect(port, "127.0.0.1")
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length
    })
    socket.on("end", () => resolve(bytes))
    socket.on("error", reject)
  })

/** Joins a TCP socket and a pooled stream both ways, as the tunnel example does. */
const join = (stream: StreamPool.PooledStream, socket: net.Socket) => {
  stream.duplex.pipe(socket)
  socket.pipe(stream.duplex)
  socket.on("error", () => stream.duplex.destroy())
  stream.duplex.on("error", () => socket.destroy())
}

interface Tunnel {
  readonly port: number
  readonly close: () => Promise<void>
}

/** The tunnel example's two ends in one process: public port -> pooled stream -> `target`. */
const tunnel = (target: number, secure: boolean, nodeWindows = false): Promise<Tunnel> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      // Node's own windows, for comparison: 64 KiB per stream and per connection.
      const windows = nodeWindows ? { initialWindowSize: 65_535, connectionWindowSize: 65_535 } : {}
      const server = yield* Scope.extend(
        StreamPool.server({
          ...(secure ? { tls: TestCerts.leaf } : { h2c: true }),
          maxCapacity: 256,
          ...windows
        }),
        scope
      )
      const client = yield* Scope.extend(
        StreamPool.client({
          resolve: Effect.succeed(`127.0.0.1:${server.address.port}`),
          ...(secure ? { tls: { ca: TestCerts.ca, servername: "localhost" } } : { h2c: true }),
          minCapacity: 16,
          maxCapacity: 64,
          minInterval: "1 millis",
          ...windows
        }),
        scope
      )
      const forward = (socket: net.Socket) =>
        Effect.gen(function* () {
          const connection = yield* Scope.make()
          socket.once("close", () => Effect.runFork(Scope.close(connection, Exit.void)))
          const incoming = yield* Scope.extend(server.incoming("10 seconds"), connection)
          const outgoing = yield* Scope.extend(client.get(incoming.id, "10 seconds"), connection)
          join(incoming, socket)
          const target = net.connect(port, "127.0.0.1")
          target.once("close", () => outgoing.duplex.end())
          join(outgoing, target)
        })
      const port = target
      const publicServer = net.createServer((socket) => {
        socket.on("error", () => socket.destroy())
        Effect.runFork(forward(socket))
      })
      yield* Effect.promise(() => new Promise<void>((r) => publicServer.listen(0, "127.0.0.1", () => r())))
      return {
        port: portOf(publicServer),
        close: () =>
          new Promise<void>((resolve) => publicServer.close(() => resolve())).then(() =>
            Effect.runPromise(Scope.close(scope, Exit.void))
          )
      }
    })
  )

interface Sample {
  readonly mibPerSecond: number
  readonly cpuMillisPerMiB: number
}

/** `connections` sinks at once, `TOTAL_MIB` between them. */
const measure = async (port: number, connections: number): Promise<Sample> => {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const received = await Promise.all(Array.from({ length: connections }, () => sink(port)))
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const mib = received.reduce((a, b) => a + b, 0) / MiB
  if (mib !== TOTAL_MIB) throw new Error(`received ${mib} MiB of ${TOTAL_MIB}`)
  return { mibPerSecond: mib / seconds, cpuMillisPerMiB: (used.user + used.system) / 1000 / mib }
}

const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const main = async () => {
  const rows: Array<string> = []
  for (const connections of [1, 16]) {
    const origin = await source(TOTAL_MIB / connections)
    const roads = {
      "direct TCP": { port: portOf(origin), close: () => Promise.resolve() },
      "tunnel, h2c, 64 KiB windows": await tunnel(portOf(origin), false, true),
      "tunnel, h2c": await tunnel(portOf(origin), false),
      "tunnel, TLS": await tunnel(portOf(origin), true)
    }
    const samples = new Map<string, Array<Sample>>(Object.keys(roads).map((name) => [name, []]))
    // Warm-up, then rounds that interleave the roads so load on the machine hits them alike.
    for (const road of Object.values(roads)) await measure(road.port, connections)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, road] of Object.entries(roads))
        samples.get(name)!.push(await measure(road.port, connections))
    }
    for (const [name, list] of samples) {
      const rate = median(list.map((s) => s.mibPerSecond))
      const cpu = median(list.map((s) => s.cpuMillisPerMiB))
      rows.push(`| ${name} | ${connections} | ${rate.toFixed(0)} | ${cpu.toFixed(2)} |`)
    }
    for (const road of Object.values(roads)) await road.close()
    origin.close()
  }
  console.log(`${TOTAL_MIB} MiB per run, median of ${ROUNDS} rounds, node ${process.version}`)
  console.log("| road | connections | MiB/s | CPU ms per MiB |")
  console.log("| --- | --- | --- | --- |")
  for (const row of rows) console.log(row)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
