/**
 * A TCP port forwarder over a stream pool, the job NPH2-style pools exist
 * for. The server side accepts TCP connections on a public port, takes a
 * pooled stream for each and tells the client that stream's ID over a
 * control connection; the client takes the same stream by ID and joins it
 * to a local target. Bytes then flow client target <-> HTTP/2 stream <->
 * public connection, with HTTP/2 flow control as the backpressure between.
 *
 * Run both ends (see the README's "Stream pools" section):
 *
 *   npx tsx examples/src/tunnel.ts server 8443 9000 9001 cert.pem key.pem
 *   npx tsx examples/src/tunnel.ts client host:8443 host:9001 127.0.0.1:80 [ca.pem]
 */
import { StreamPool } from "@effect-requests/client"
import { Data, type Duration, Effect, type Exit, Runtime, Scope } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import type { Duplex } from "node:stream"

/** A tunnelled connection failed: which side, and why. */
export class TunnelError extends Data.TaggedError("TunnelError")<{
  readonly side: "public" | "target" | "stream" | "control"
  readonly cause: unknown
}> {}

/** Joins two duplexes both ways until both directions end; the first error tears down both. */
export const join = (
  stream: Duplex,
  socket: net.Socket,
  side: "public" | "target"
): Effect.Effect<void, TunnelError> =>
  Effect.async<void, TunnelError>((resume) => {
    let ended = 0
    const fail = (which: "public" | "target" | "stream") => (cause: Error) => {
      stream.destroy()
      socket.destroy()
      resume(Effect.fail(new TunnelError({ side: which, cause })))
    }
    const settle = () => {
      if (++ended === 2) resume(Effect.void)
    }
    // A socket that is gone takes nothing more: our side of the stream ends
    // (the peer then ends its side) and what still arrives is drained.
    socket.once("close", () => {
      stream.unpipe(socket)
      if (!stream.writableEnded) stream.end()
      stream.resume()
      settle()
    })
    // A stream that is gone sends nothing more: the socket gets its FIN once
    // written out, and what it still receives has nowhere to go.
    stream.once("close", () => {
      socket.unpipe(stream)
      if (!socket.destroyed && !socket.writableEnded) socket.end()
      socket.resume()
      settle()
    })
    stream.on("error", fail("stream"))
    socket.on("error", fail(side))
    // A half that ends early (the peer's FIN) ends the other direction too.
    stream.pipe(socket)
    socket.pipe(stream)
    return Effect.sync(() => {
      stream.destroy()
      socket.destroy()
    })
  })

const listen = (server: net.Server, port: number, host: string) =>
  Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(port, host, () => resume(Effect.succeed((server.address() as net.AddressInfo).port)))
    }),
    () =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

/** Options of the public side. */
export interface TunnelServerOptions {
  readonly host?: string
  readonly publicPort?: number
  readonly controlPort?: number
  readonly pool: StreamPool.ServerOptions
  /** How long a public connection waits for a pooled stream. Default `10 seconds`. */
  readonly streamTimeout?: Duration.DurationInput
  readonly onConnection?: (exit: Exit.Exit<void, unknown>) => void
}

/**
 * The public side: a stream pool server, a control port the client connects
 * to, and a public port whose connections are forwarded.
 */
export const tunnelServer = (options: TunnelServerOptions) =>
  Effect.gen(function* () {
    const host = options.host ?? "127.0.0.1"
    const pool = yield* StreamPool.server(options.pool)
    const runtime = yield* Effect.runtime<never>()
    const scope = yield* Effect.scope
    let control: net.Socket | undefined
    const controlServer = net.createServer((socket) => {
      control?.destroy()
      control = socket
      socket.on("error", () => socket.destroy())
    })
    const controlPort = yield* listen(controlServer, options.controlPort ?? 0, host)
    yield* Effect.addFinalizer(() => Effect.sync(() => control?.destroy()))

    const forward = (socket: net.Socket) =>
      Effect.scoped(
        Effect.gen(function* () {
          const stream = yield* pool.incoming(options.streamTimeout ?? "10 seconds")
          if (control === undefined || control.destroyed) {
            return yield* Effect.fail(
              new TunnelError({ side: "control", cause: "no tunnel client connected" })
            )
          }
          control.write(`${stream.id}\n`)
          yield* join(stream.duplex, socket, "public")
        })
      ).pipe(Effect.ensuring(Effect.sync(() => socket.destroy())))

    const publicServer = net.createServer((socket) => {
      socket.pause()
      const fiber = Runtime.runFork(runtime)(Effect.forkIn(forward(socket), scope))
      fiber.addObserver((exit) => {
        if (exit._tag === "Success") exit.value.addObserver((inner) => options.onConnection?.(inner))
      })
    })
    const publicPort = yield* listen(publicServer, options.publicPort ?? 0, host)
    return { publicPort, controlPort, poolPort: pool.address.port, pool }
  })

/** Options of the private side. */
export interface TunnelClientOptions {
  readonly control: { readonly host: string; readonly port: number }
  readonly target: { readonly host: string; readonly port: number }
  readonly pool: StreamPool.ClientOptions
  readonly onConnection?: (exit: Exit.Exit<void, unknown>) => void
}

/** The private side: a stream pool client, the control connection, and a join per announced ID. */
export const tunnelClient = (options: TunnelClientOptions) =>
  Effect.gen(function* () {
    const pool = yield* StreamPool.client(options.pool)
    const runtime = yield* Effect.runtime<never>()
    const scope = yield* Effect.scope
    const forward = (id: string) =>
      Effect.scoped(
        Effect.gen(function* () {
          const stream = yield* pool.get(id, "10 seconds")
          const socket = net.connect(options.target.port, options.target.host)
          yield* join(stream.duplex, socket, "target")
        })
      )
    const control = yield* Effect.acquireRelease(
      Effect.async<net.Socket, TunnelError>((resume) => {
        const socket = net.connect(options.control.port, options.control.host, () =>
          resume(Effect.succeed(socket))
        )
        socket.once("error", (cause) => resume(Effect.fail(new TunnelError({ side: "control", cause }))))
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    let pending = ""
    control.setEncoding("latin1")
    control.on("data", (text: string) => {
      pending += text
      let newline = pending.indexOf("\n")
      while (newline !== -1) {
        const id = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        const fiber = Runtime.runFork(runtime)(Effect.forkIn(forward(id), scope))
        fiber.addObserver((exit) => {
          if (exit._tag === "Success") exit.value.addObserver((inner) => options.onConnection?.(inner))
        })
        newline = pending.indexOf("\n")
      }
    })
    return { pool }
  })

const hostPort = (text: string) => {
  const colon = text.lastIndexOf(":")
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) }
}

const main = (argv: ReadonlyArray<string>): Effect.Effect<never, unknown, Scope.Scope> => {
  const [role, ...rest] = argv
  if (role === "server") {
    const [poolPort, publicPort, controlPort, cert, key] = rest
    return Effect.zipRight(
      tunnelServer({
        host: "0.0.0.0",
        publicPort: Number(publicPort),
        controlPort: Number(controlPort),
        pool: {
          host: "0.0.0.0",
          port: Number(poolPort),
          tls: { cert: fs.readFileSync(cert!), key: fs.readFileSync(key!) }
        }
      }),
      Effect.never
    )
  }
  const [poolAddress, controlAddress, target, ca] = rest
  return Effect.zipRight(
    tunnelClient({
      control: hostPort(controlAddress!),
      target: hostPort(target!),
      pool: {
        resolve: Effect.succeed(poolAddress!),
        ...(ca !== undefined ? { tls: { ca: fs.readFileSync(ca) } } : {})
      }
    }),
    Effect.never
  )
}

if (process.argv[1]?.endsWith("tunnel.ts") === true) {
  const scope = Effect.runSync(Scope.make())
  Effect.runFork(Effect.provideService(main(process.argv.slice(2)), Scope.Scope, scope))
}
