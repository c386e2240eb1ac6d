/**
 * Shared pieces of the stream pool tests: a server and a client pool on
 * loopback (h2c unless TLS is asked for), reading exact byte counts off a
 * duplex, and an error listener that completes a Deferred.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import type * as Scope from "effect/Scope"
import * as net from "node:net"
import type { Duplex } from "node:stream"
import * as StreamPool from "../../../src/StreamPool.js"

/** A server pool on a free loopback port. */
export const server = (options: Partial<StreamPool.ServerOptions> = {}) =>
  StreamPool.server({ h2c: true, ...options })

/** A client pool aimed at `port`. */
export const client = (
  port: number,
  options: Partial<StreamPool.ClientOptions> = {}
): Effect.Effect<StreamPool.StreamPoolClientService, never, Scope.Scope> =>
  StreamPool.client({ h2c: true, resolve: Effect.succeed(`127.0.0.1:${port}`), ...options })

/** Reads exactly `n` bytes. */
export const readBytes = (duplex: Duplex, n: number): Effect.Effect<Buffer, Error> =>
  Effect.async<Buffer, Error>((resume) => {
    const parts: Array<Buffer> = []
    let have = 0
    const onData = (chunk: Buffer) => {
      parts.push(chunk)
      have += chunk.length
      if (have >= n) {
        done()
        resume(Effect.succeed(Buffer.concat(parts)))
      }
    }
    const onEnd = () => {
      done()
      resume(Effect.fail(new Error(`stream ended after ${have} of ${n} bytes`)))
    }
    const onError = (error: Error) => {
      done()
      resume(Effect.fail(error))
    }
    const done = () => {
      duplex.off("data", onData)
      duplex.off("end", onEnd)
      duplex.off("error", onError)
    }
    duplex.on("data", onData)
    duplex.once("end", onEnd)
    duplex.once("error", onError)
    return Effect.sync(done)
  })

/** Errors a pool reports, the first of each reason completing a Deferred. */
export const errorLog = Effect.sync(() => {
  const seen: Array<StreamPool.StreamPoolError> = []
  const waiters = new Map<string, Deferred.Deferred<StreamPool.StreamPoolError>>()
  const waiter = (reason: string) => {
    let d = waiters.get(reason)
    if (d === undefined) {
      d = Deferred.unsafeMake<StreamPool.StreamPoolError>(FiberId.none)
      waiters.set(reason, d)
    }
    return d
  }
  return {
    seen,
    onError: (error: StreamPool.StreamPoolError) => {
      seen.push(error)
      Deferred.unsafeDone(waiter(error.reason), Effect.succeed(error))
    },
    await: (reason: StreamPool.StreamPoolError["reason"]) => Deferred.await(waiter(reason))
  }
})

/** A TCP relay in front of `port` that can go silent: bytes stop flowing both ways, sockets stay open. */
export const silentableProxy = (port: number) =>
  Effect.acquireRelease(
    Effect.async<{ port: number; silence: () => void; server: net.Server; sockets: Set<net.Socket> }>(
      (resume) => {
        const sockets = new Set<net.Socket>()
        const server = net.createServer((inbound) => {
          const outbound = net.connect(port, "127.0.0.1")
          sockets.add(inbound).add(outbound)
          inbound.pipe(outbound)
          outbound.pipe(inbound)
          const drop = () => {
            inbound.destroy()
            outbound.destroy()
          }
          inbound.on("error", drop).on("close", drop)
          outbound.on("error", drop).on("close", drop)
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address() as net.AddressInfo
          resume(
            Effect.succeed({
              port: address.port,
              server,
              sockets,
              silence: () => {
                for (const socket of sockets) {
                  socket.unpipe()
                  socket.pause()
                }
              }
            })
          )
        })
      }
    ),
    (proxy) =>
      Effect.async<void>((resume) => {
        for (const socket of proxy.sockets) socket.destroy()
        proxy.server.close(() => resume(Effect.void))
      })
  )
