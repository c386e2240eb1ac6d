import { describe, expect, it } from "@effect/vitest"
import { LeakCheck } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import type { Duplex } from "node:stream"
import { StreamPoolError } from "../../../src/StreamPool.js"
import { client, errorLog, readBytes, server, silentableProxy } from "./support.js"

type Server = Effect.Effect.Success<ReturnType<typeof server>>
type Client = Effect.Effect.Success<ReturnType<typeof client>>

/** A stream pair in the current scope: the server's end and the client's. */
const pair = (s: Server, c: Client) =>
  Effect.gen(function* () {
    const incoming = yield* s.incoming("5 seconds")
    const outgoing = yield* c.get(incoming.id, "5 seconds")
    return { id: incoming.id, incoming, outgoing }
  })

const echoOnce = (from: Duplex, to: Duplex, text: string) =>
  Effect.gen(function* () {
    from.write(text)
    return (yield* readBytes(to, text.length)).toString()
  })

const errorOf = (duplex: Duplex) =>
  Effect.async<Error>((resume) => {
    duplex.once("error", (error) => resume(Effect.succeed(error)))
  })

describe("StreamPool lifecycle", () => {
  it.scopedLive("2,000 live streams get distinct IDs and leave nothing behind", () =>
    LeakCheck.around(
      Effect.scoped(
        Effect.gen(function* () {
          const s = yield* server({ maxCapacity: 64 })
          const c = yield* client(s.address.port, {
            minCapacity: 32,
            maxCapacity: 64,
            minInterval: "1 millis"
          })
          const ids = new Set<string>()
          for (let i = 0; i < 2_000; i++) {
            const id = yield* Effect.scoped(Effect.map(pair(s, c), (p) => p.id))
            ids.add(id)
          }
          expect(ids.size).toBe(2_000)
        })
      )
    )
  )

  it.scopedLive("flush drops idle streams only; closing the pool lets a stream in use finish", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const clientScope = yield* Scope.make()
      const c = yield* Scope.extend(
        client(s.address.port, { minCapacity: 4, drainTimeout: "30 seconds" }),
        clientScope
      )
      const held = yield* pair(s, c)
      yield* c.flush
      expect((yield* c.stats).active).toBe(0)
      expect(yield* echoOnce(held.outgoing.duplex, held.incoming.duplex, "after flush")).toBe("after flush")
      // Close the pool while the stream is held: GOAWAY goes out, the held
      // stream keeps working until its holder ends it.
      const closing = yield* Effect.fork(Scope.close(clientScope, Exit.void))
      expect(yield* echoOnce(held.outgoing.duplex, held.incoming.duplex, "while closing")).toBe(
        "while closing"
      )
      expect(yield* echoOnce(held.incoming.duplex, held.outgoing.duplex, "reply")).toBe("reply")
      expect(closing.unsafePoll()).toBeNull()
      held.outgoing.duplex.end()
      held.incoming.duplex.end()
      yield* Fiber.join(closing)
      expect((yield* c.stats).ready).toBe(false)
    })
  )

  it.scopedLive("closing the pool cuts a stream still in use at the drain deadline", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const clientScope = yield* Scope.make()
      const c = yield* Scope.extend(client(s.address.port, { drainTimeout: "100 millis" }), clientScope)
      const held = yield* pair(s, c)
      const cut = yield* Effect.fork(
        Effect.async<void>((resume) => {
          held.incoming.duplex.once("close", () => resume(Effect.void))
        })
      )
      yield* Scope.close(clientScope, Exit.void)
      yield* Fiber.join(cut)
      expect(held.outgoing.duplex.destroyed).toBe(true)
    })
  )

  it.scopedLive("a stream the peer resets with NO_ERROR while ours has writes queued still closes", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const c = yield* client(s.address.port)
      const held = yield* pair(s, c)
      // More than HTTP/2 flow control lets through to a peer that does not read.
      const queued = Buffer.alloc(1024 * 1024)
      const full = Effect.async<void>((resume) => {
        if (!held.outgoing.duplex.write(queued)) resume(Effect.void)
      })
      yield* full
      const closed = yield* Effect.fork(
        Effect.async<void>((resume) => {
          held.outgoing.duplex.once("close", () => resume(Effect.void))
        })
      )
      // destroy() without an error resets the stream with NO_ERROR.
      held.incoming.duplex.destroy()
      // The application reads what arrived, as a tunnel piping the stream onwards does.
      held.outgoing.duplex.resume()
      yield* Fiber.join(closed)
      expect(held.outgoing.duplex.destroyed).toBe(true)
    })
  )

  it.scopedLive(
    "keep-alive finds a silent peer: streams in use fail typed, the pool reconnects and refills",
    () =>
      Effect.gen(function* () {
        const serverLog = yield* errorLog
        const s = yield* server({ keepAlive: "100 millis", onError: serverLog.onError })
        const proxy = yield* silentableProxy(s.address.port)
        const log = yield* errorLog
        const c = yield* client(proxy.port, {
          keepAlive: "100 millis",
          onError: log.onError,
          maxInterval: "200 millis"
        })
        const held = yield* pair(s, c)
        const failed = yield* Effect.fork(errorOf(held.outgoing.duplex))
        proxy.silence()
        const timeout = yield* log.await("KeepAliveTimeout")
        expect(timeout.address).toBe(`127.0.0.1:${proxy.port}`)
        const error = yield* Fiber.join(failed)
        expect(error).toBeInstanceOf(StreamPoolError)
        expect((error as StreamPoolError).reason).toBe("KeepAliveTimeout")
        // The server finds the silent client too and drops the streams it kept for it.
        yield* serverLog.await("KeepAliveTimeout")
        // A fresh connection through the proxy carries new streams.
        const again = yield* pair(s, c)
        expect(yield* echoOnce(again.outgoing.duplex, again.incoming.duplex, "back")).toBe("back")
      })
  )

  it.scopedLive("reconnects through resolve after the server restarts on another port", () =>
    Effect.gen(function* () {
      const firstScope = yield* Scope.make()
      const first = yield* Scope.extend(server({ drainTimeout: "100 millis" }), firstScope)
      let target = first.address.port
      const log = yield* errorLog
      const c = yield* client(0, {
        resolve: Effect.sync(() => `127.0.0.1:${target}`),
        onError: log.onError,
        maxInterval: "200 millis"
      })
      const before = yield* Effect.scoped(pair(s(first), c))
      expect(before.id).toMatch(/^[0-9a-f]{8}$/)
      yield* Scope.close(firstScope, Exit.void)
      const second = yield* server()
      target = second.address.port
      yield* log.await("GoAway")
      const after = yield* pair(second, c)
      expect(yield* echoOnce(after.outgoing.duplex, after.incoming.duplex, "moved")).toBe("moved")
      expect((yield* c.stats).ready).toBe(true)
    })
  )
})

const s = (server: Server): Server => server
