import { describe, expect, it } from "@effect/vitest"
import { LeakCheck } from "@effect-requests/testing"
import { Cause, Deferred, Effect, Exit } from "effect"
import * as crypto from "node:crypto"
import * as http from "node:http"
import * as net from "node:net"
import { TunnelError, tunnelClient, tunnelServer } from "../src/tunnel.js"

const MiB = 1024 * 1024
const CONNECTIONS = 64
const DROP_EVERY = 8

/** 1 MiB of bytes that depend on the path, so a mixed-up stream shows. */
const fileFor = (n: number): Buffer => {
  const out = Buffer.alloc(MiB)
  let x = (n * 2654435761) >>> 0
  for (let i = 0; i < MiB; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out.writeUInt32LE(x, i)
  }
  return out
}
const sha = (bytes: Buffer) => crypto.createHash("sha256").update(bytes).digest("hex")

const target = Effect.acquireRelease(
  Effect.async<http.Server>((resume) => {
    const server = http.createServer((req, res) => {
      const n = Number(req.url?.split("/")[2])
      const body = fileFor(n)
      res.writeHead(200, { "content-length": body.length, "x-sha256": sha(body) })
      res.end(body)
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

/** One raw HTTP/1.1 GET through the tunnel; `drop` cuts the connection mid-body. */
const fetchThrough = (port: number, n: number, drop: boolean) =>
  Effect.async<"verified" | "dropped", Error>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    const parts: Array<Buffer> = []
    let size = 0
    socket.on("data", (chunk: Buffer) => {
      parts.push(chunk)
      size += chunk.length
      if (drop && size > 100_000) {
        socket.destroy()
        resume(Effect.succeed("dropped"))
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error)))
    socket.on("end", () => {
      const all = Buffer.concat(parts)
      const split = all.indexOf("\r\n\r\n")
      const head = all.subarray(0, split).toString("latin1")
      const body = all.subarray(split + 4)
      const expected = /x-sha256: ([0-9a-f]+)/i.exec(head)?.[1]
      if (body.length === MiB && expected === sha(body) && expected === sha(fileFor(n))) {
        resume(Effect.succeed("verified"))
      } else {
        resume(Effect.fail(new Error(`connection ${n}: ${body.length} bytes, checksum mismatch`)))
      }
      socket.destroy()
    })
    socket.write(`GET /file/${n} HTTP/1.1\r\nhost: target\r\nconnection: close\r\n\r\n`)
    return Effect.sync(() => socket.destroy())
  })

describe("tunnel example", () => {
  it.scopedLive(
    `${CONNECTIONS} concurrent TCP connections fetch 1 MiB each through the tunnel, some dropped mid-stream`,
    () =>
      LeakCheck.around(
        Effect.scoped(
          Effect.gen(function* () {
            const http = yield* target
            const httpPort = (http.address() as net.AddressInfo).port
            const exits: Array<Exit.Exit<void, unknown>> = []
            const allSettled = yield* Deferred.make<void>()
            const onConnection = (exit: Exit.Exit<void, unknown>) => {
              exits.push(exit)
              if (exits.length === 2 * CONNECTIONS) Deferred.unsafeDone(allSettled, Exit.void)
            }
            const server = yield* tunnelServer({ pool: { h2c: true, maxCapacity: 256 }, onConnection })
            yield* tunnelClient({
              control: { host: "127.0.0.1", port: server.controlPort },
              target: { host: "127.0.0.1", port: httpPort },
              pool: {
                h2c: true,
                resolve: Effect.succeed(`127.0.0.1:${server.poolPort}`),
                minCapacity: 16,
                maxCapacity: 128,
                minInterval: "1 millis"
              },
              onConnection
            })
            const outcomes = yield* Effect.forEach(
              Array.from({ length: CONNECTIONS }, (_, n) => n),
              (n) => fetchThrough(server.publicPort, n, n % DROP_EVERY === 0),
              { concurrency: "unbounded" }
            )
            expect(outcomes.filter((o) => o === "verified").length).toBe(
              CONNECTIONS - CONNECTIONS / DROP_EVERY
            )
            expect(outcomes.filter((o) => o === "dropped").length).toBe(CONNECTIONS / DROP_EVERY)
            // Both ends of every tunnelled connection settled, and every failure is typed.
            yield* Deferred.await(allSettled)
            for (const exit of exits) {
              if (Exit.isFailure(exit)) {
                const failure = Cause.failureOption(exit.cause)
                expect(failure._tag === "Some" && failure.value instanceof TunnelError).toBe(true)
              }
            }
          })
        )
      ),
    60_000
  )
})
