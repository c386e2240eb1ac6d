/**
 * The stream pool's example at full scale: 200 concurrent TCP connections
 * through the tunnel (`examples/src/tunnel.ts`) to nginx, each fetching
 * 1 MiB whose digest is checked, while a seeded share of them is dropped
 * mid-body, as FaultServer drops them: by the fetching side (FIN or RST) or
 * by the target's side (a relay in front of nginx that cuts with FIN or RST
 * after a drawn number of bytes). Then the connection carrying the tunnel
 * itself is cut while transfers are in flight.
 */
import { describe, expect, it } from "@effect/vitest"
import { LeakCheck } from "@effect-requests/testing"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import { createHash } from "node:crypto"
import * as net from "node:net"
import { TunnelError, tunnelClient, tunnelServer } from "../../../examples/src/tunnel.js"
import { requireServer, suiteTitle } from "../src/binaries.js"
import { deterministicBytes, MiB, sha256 } from "../src/content.js"
import * as Nginx from "../src/nginx.js"

const nginx = requireServer("nginx", "nginx")

const CONNECTIONS = 200
const FILES = 16
const SEED = Number(process.env["TUNNEL_SEED"] ?? 0x5eed15)

const files = Array.from({ length: FILES }, (_, k) => deterministicBytes(MiB, k + 1))
const digests = files.map(sha256)
const site = Object.fromEntries(files.map((bytes, k) => [`f/${k}.bin`, bytes]))

/** What happens to one connection. */
type Fault = "none" | "client-close" | "client-rst" | "target-fin" | "target-rst"

interface Plan {
  readonly n: number
  readonly file: number
  readonly fault: Fault
  /** Bytes of the response after which the fault strikes. */
  readonly at: number
}

/** mulberry32: the plan of every connection follows from the seed. */
const plans = (seed: number): ReadonlyArray<Plan> => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }
  const faults: ReadonlyArray<Fault> = ["client-close", "client-rst", "target-fin", "target-rst"]
  return Array.from({ length: CONNECTIONS }, (_, n): Plan => {
    const draw = next()
    // A fifth of the connections get a fault, each kind equally likely.
    const fault = draw < 0.2 ? faults[Math.floor(draw * 20)]! : "none"
    return { n, file: n % FILES, fault, at: 16_384 + Math.floor(next() * (MiB - 32_768)) }
  })
}

/**
 * A TCP relay in front of nginx. The request line names the fault (`?fault=target-rst&at=N`);
 * the relay then cuts the connection after N bytes of the response, with FIN or RST.
 */
const faultRelay = (target: number): Effect.Effect<number, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: net.Server; sockets: Set<net.Socket> }>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((inbound) => {
        const outbound = net.connect(target, "127.0.0.1")
        sockets.add(inbound).add(outbound)
        let cutAt = Infinity
        let reset = false
        let sent = 0
        const drop = () => {
          sockets.delete(inbound)
          sockets.delete(outbound)
          inbound.destroy()
          outbound.destroy()
        }
        inbound.once("data", (first: Buffer) => {
          const line = first.toString("latin1", 0, first.indexOf("\r\n"))
          const fault = /[?&]fault=(target-fin|target-rst)&at=(\d+)/.exec(line)
          if (fault !== null) {
            reset = fault[1] === "target-rst"
            cutAt = Number(fault[2])
          }
          outbound.write(first)
          inbound.pipe(outbound)
        })
        outbound.on("data", (chunk: Buffer) => {
          if (sent + chunk.length < cutAt) {
            sent += chunk.length
            if (!inbound.write(chunk)) outbound.pause()
            return
          }
          inbound.write(chunk.subarray(0, cutAt - sent))
          sent = cutAt
          outbound.destroy()
          if (reset) inbound.resetAndDestroy()
          else inbound.end()
        })
        inbound.on("drain", () => outbound.resume())
        outbound.on("end", () => inbound.end())
        inbound.on("error", drop).on("close", drop)
        outbound.on("error", drop)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ server }) => (server.address() as net.AddressInfo).port))

/** A TCP relay in front of the pool server whose connections can all be cut at once (RST). */
const cuttableRelay = (target: number) =>
  Effect.acquireRelease(
    Effect.async<{ port: number; cut: () => void; close: () => void }>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((inbound) => {
        const outbound = net.connect(target, "127.0.0.1")
        sockets.add(inbound).add(outbound)
        inbound.pipe(outbound)
        outbound.pipe(inbound)
        const drop = () => {
          sockets.delete(inbound)
          sockets.delete(outbound)
          inbound.destroy()
          outbound.destroy()
        }
        inbound.on("error", drop).on("close", drop)
        outbound.on("error", drop).on("close", drop)
      })
      server.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({
            port: (server.address() as net.AddressInfo).port,
            cut: () => {
              for (const socket of sockets) socket.resetAndDestroy()
            },
            close: () => {
              for (const socket of sockets) socket.destroy()
              server.close()
            }
          })
        )
      )
    }),
    (relay) => Effect.sync(relay.close)
  )

type Outcome = "verified" | "dropped" | "truncated" | "reset"

/**
 * One HTTP/1.1 GET through the tunnel, the body hashed as it arrives. The fetching side's own
 * faults end it early ("dropped"); a body cut short by the far side ends "truncated" (FIN) or
 * "reset" (RST).
 */
const fetchThrough = (port: number, plan: Plan, onBytes: (n: number) => void = () => {}) =>
  Effect.async<Outcome, Error>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    const hash = createHash("sha256")
    let head: Buffer | undefined = Buffer.alloc(0)
    let length = -1
    let received = 0
    let total = 0
    socket.on("data", (chunk: Buffer) => {
      total += chunk.length
      onBytes(chunk.length)
      if (plan.fault === "client-close" || plan.fault === "client-rst") {
        if (total >= plan.at) {
          if (plan.fault === "client-rst") socket.resetAndDestroy()
          else socket.destroy()
          return resume(Effect.succeed("dropped"))
        }
      }
      let body = chunk
      if (head !== undefined) {
        const all = Buffer.concat([head, chunk])
        const split = all.indexOf("\r\n\r\n")
        if (split === -1) {
          head = all
          return
        }
        const text = all.toString("latin1", 0, split)
        length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? -1)
        if (!text.startsWith("HTTP/1.1 200")) {
          return resume(Effect.fail(new Error(`connection ${plan.n}: ${text.split("\r\n")[0]}`)))
        }
        head = undefined
        body = all.subarray(split + 4)
      }
      received += body.length
      hash.update(body)
    })
    socket.on("error", (error: NodeJS.ErrnoException) =>
      resume(
        error.code === "ECONNRESET"
          ? Effect.succeed("reset")
          : Effect.fail(new Error(`connection ${plan.n}: ${error.message}`))
      )
    )
    socket.on("end", () => {
      socket.destroy()
      if (received < length || length === -1) return resume(Effect.succeed("truncated"))
      const digest = hash.digest("hex")
      resume(
        received === MiB && length === MiB && digest === digests[plan.file]
          ? Effect.succeed("verified")
          : Effect.fail(new Error(`connection ${plan.n}: ${received} bytes, digest ${digest}`))
      )
    })
    const query = plan.fault.startsWith("target") ? `?fault=${plan.fault}&at=${plan.at}` : ""
    socket.write(
      `GET /f/${plan.file}.bin${query} HTTP/1.1\r\nhost: a.test\r\nx-request-id: ${plan.n}\r\nconnection: close\r\n\r\n`
    )
    return Effect.sync(() => socket.destroy())
  })

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "stream pool tunnel to nginx"), () => {
  it.scopedLive(
    `${CONNECTIONS} concurrent connections through the tunnel fetch 1 MiB each, a fifth dropped mid-body (seed ${SEED})`,
    () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const schedule = plans(SEED)
        const outcomes = yield* LeakCheck.around(
          Effect.scoped(
            Effect.gen(function* () {
              const relay = yield* faultRelay(server.ports.http)
              const exits: Array<Exit.Exit<void, unknown>> = []
              const allSettled = yield* Deferred.make<void>()
              const onConnection = (exit: Exit.Exit<void, unknown>) => {
                exits.push(exit)
                if (exits.length === 2 * CONNECTIONS) Deferred.unsafeDone(allSettled, Exit.void)
              }
              const tunnel = yield* tunnelServer({ pool: { h2c: true, maxCapacity: 256 }, onConnection })
              yield* tunnelClient({
                control: { host: "127.0.0.1", port: tunnel.controlPort },
                target: { host: "127.0.0.1", port: relay },
                pool: {
                  h2c: true,
                  resolve: Effect.succeed(`127.0.0.1:${tunnel.poolPort}`),
                  minCapacity: 32,
                  maxCapacity: 256,
                  minInterval: "1 millis"
                },
                onConnection
              })
              const outcomes = yield* Effect.forEach(
                schedule,
                (plan) => fetchThrough(tunnel.publicPort, plan),
                {
                  concurrency: "unbounded"
                }
              )
              // Both ends of every tunnelled connection settle (nothing hangs), and every failure is typed.
              yield* Deferred.await(allSettled).pipe(
                Effect.timeoutFail({
                  duration: "30 seconds",
                  onTimeout: () => new Error(`${exits.length} of ${2 * CONNECTIONS} tunnel ends settled`)
                })
              )
              for (const exit of exits) {
                if (Exit.isFailure(exit)) {
                  const failure = Cause.failureOption(exit.cause)
                  expect(
                    failure._tag === "Some" && failure.value instanceof TunnelError,
                    Cause.pretty(exit.cause)
                  ).toBe(true)
                }
              }
              return outcomes
            })
          )
        )
        const wrong = schedule.filter((plan, i) => {
          const outcome = outcomes[i]
          switch (plan.fault) {
            case "none":
              return outcome !== "verified"
            case "client-close":
            case "client-rst":
              return outcome !== "dropped"
            case "target-fin":
            case "target-rst":
              return outcome !== "truncated" && outcome !== "reset"
          }
        })
        expect(
          wrong.map((plan) => `${plan.n} ${plan.fault}: ${outcomes[plan.n]}`),
          `seed ${SEED}`
        ).toEqual([])
        const verified = outcomes.filter((outcome) => outcome === "verified").length
        expect(verified).toBe(schedule.filter((plan) => plan.fault === "none").length)
        expect(verified).toBeGreaterThan(CONNECTIONS / 2)
        // Every connection reached nginx through the tunnel.
        const log = yield* server.awaitAccessLog(
          (entries) => entries.length === CONNECTIONS,
          "every GET logged"
        )
        expect(new Set(log.map((entry) => entry.requestId))).toHaveLength(CONNECTIONS)
      }),
    120_000
  )

  it.scopedLive(
    "the connection carrying the tunnel is cut mid-transfer: in-flight fetches fail, none hangs, the pool reconnects",
    () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const first = Array.from({ length: 100 }, (_, n): Plan => ({
          n,
          file: n % FILES,
          fault: "none",
          at: 0
        }))
        const second = first.map((plan) => ({ ...plan, n: plan.n + 100 }))
        const { during, after } = yield* LeakCheck.around(
          Effect.scoped(
            Effect.gen(function* () {
              const exits: Array<Exit.Exit<void, unknown>> = []
              const allSettled = yield* Deferred.make<void>()
              const onConnection = (exit: Exit.Exit<void, unknown>) => {
                exits.push(exit)
                if (exits.length === 2 * (first.length + second.length))
                  Deferred.unsafeDone(allSettled, Exit.void)
              }
              const tunnel = yield* tunnelServer({ pool: { h2c: true, maxCapacity: 256 }, onConnection })
              const relay = yield* cuttableRelay(tunnel.poolPort)
              yield* tunnelClient({
                control: { host: "127.0.0.1", port: tunnel.controlPort },
                target: { host: "127.0.0.1", port: server.ports.http },
                pool: {
                  h2c: true,
                  resolve: Effect.succeed(`127.0.0.1:${relay.port}`),
                  minCapacity: 32,
                  maxCapacity: 256,
                  minInterval: "1 millis"
                },
                onConnection
              })
              // Cut once a fifth of the bytes have arrived: most transfers are in flight.
              let received = 0
              let cut = false
              const onBytes = (n: number) => {
                received += n
                if (!cut && received > (first.length * MiB) / 5) {
                  cut = true
                  relay.cut()
                }
              }
              const during = yield* Effect.forEach(
                first,
                (plan) => fetchThrough(tunnel.publicPort, plan, onBytes),
                {
                  concurrency: "unbounded"
                }
              )
              const after = yield* Effect.forEach(second, (plan) => fetchThrough(tunnel.publicPort, plan), {
                concurrency: "unbounded"
              })
              yield* Deferred.await(allSettled).pipe(
                Effect.timeoutFail({
                  duration: "30 seconds",
                  onTimeout: () =>
                    new Error(`${exits.length} of ${2 * (first.length + second.length)} tunnel ends settled`)
                })
              )
              for (const exit of exits) {
                if (Exit.isFailure(exit)) {
                  const failure = Cause.failureOption(exit.cause)
                  expect(
                    failure._tag === "Some" &&
                      ["TunnelError", "StreamNotFound", "TimeoutError"].includes(
                        (failure.value as { _tag?: string })._tag ?? ""
                      ),
                    Cause.pretty(exit.cause)
                  ).toBe(true)
                }
              }
              return { during, after }
            })
          )
        )
        // Transfers in flight at the cut end short, never with wrong bytes; the rest complete.
        expect(during.every((outcome) => outcome !== "dropped")).toBe(true)
        expect(during.filter((outcome) => outcome !== "verified").length).toBeGreaterThan(0)
        // Connections made after the cut ride the reconnected pool.
        expect(after.filter((outcome) => outcome !== "verified")).toEqual([])
      }),
    120_000
  )
})
