import { describe, expect, it } from "@effect/vitest"
import { TestCerts } from "@effect-requests/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import type * as http2 from "node:http2"
import { client, errorLog, readBytes, server } from "./support.js"

const pingFrom = (stream: http2.ServerHttp2Stream) =>
  Effect.async<void, Error>((resume) => {
    stream.session?.ping((error) => resume(error === null ? Effect.void : Effect.fail(error)))
  })

/** Server takes a stream, client takes the same one by ID, bytes go both ways. */
const roundTrip = (
  serverPool: Effect.Effect.Success<ReturnType<typeof server>>,
  clientPool: Effect.Effect.Success<ReturnType<typeof client>>
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const incoming = yield* serverPool.incoming("5 seconds")
      expect(incoming.id).toMatch(/^[0-9a-f]{8}$/)
      const outgoing = yield* clientPool.get(incoming.id, "5 seconds")
      outgoing.duplex.write("ping")
      expect((yield* readBytes(incoming.duplex, 4)).toString()).toBe("ping")
      incoming.duplex.write("pong!")
      expect((yield* readBytes(outgoing.duplex, 5)).toString()).toBe("pong!")
      return incoming.id
    })
  )

describe("StreamPool", () => {
  it.scopedLive("server and client share a stream by ID over extended CONNECT", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const c = yield* client(s.address.port, { minCapacity: 2, maxCapacity: 4 })
      const ids = new Set<string>()
      for (let i = 0; i < 20; i++) ids.add(yield* roundTrip(s, c))
      expect(ids.size).toBe(20)
      const stats = yield* c.stats
      expect(stats.ready).toBe(true)
      expect(stats.capacity).toBeGreaterThanOrEqual(2)
    })
  )

  it.scopedLive("falls back to POST when the server does not enable extended CONNECT, and speaks TLS", () =>
    Effect.gen(function* () {
      const s = yield* server({ h2c: false, tls: TestCerts.leaf, extendedConnect: false })
      const c = yield* client(s.address.port, {
        h2c: false,
        tls: { ca: TestCerts.ca, servername: "localhost" }
      })
      yield* roundTrip(s, c)
    })
  )

  it.scopedLive("get fails typed on a malformed ID and times out on an unknown one", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const c = yield* client(s.address.port)
      const malformed = yield* Effect.either(Effect.scoped(c.get("nope", "1 second")))
      expect(Either.isLeft(malformed) && malformed.left._tag).toBe("StreamNotFound")
      const unknown = yield* Effect.either(Effect.scoped(c.get("00000000", "50 millis")))
      expect(Either.isLeft(unknown) && unknown.left._tag).toBe("TimeoutError")
    })
  )

  it.scopedLive("get of a stream closed before it was taken fails at once with StreamNotFound Closed", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const c = yield* client(s.address.port, { minCapacity: 2 })
      // The server names the stream and hands it out; the client's end is flushed before anybody takes it.
      const incoming = yield* s.incoming("5 seconds")
      // Frames are handled in order: once the client acknowledges a PING sent after the
      // stream's name, it holds the named stream.
      yield* pingFrom(incoming.duplex as http2.ServerHttp2Stream)
      expect((yield* c.stats).active).toBeGreaterThanOrEqual(1)
      yield* c.flush
      const closed = yield* Effect.either(Effect.scoped(c.get(incoming.id, "1 minute")))
      expect(Either.isLeft(closed) && closed.left).toMatchObject({
        _tag: "StreamNotFound",
        id: incoming.id,
        reason: "Closed"
      })
      // Once the server has seen the flushed streams reset, it hands out only fresh ones.
      yield* pingFrom(incoming.duplex as http2.ServerHttp2Stream)
      yield* roundTrip(s, c)
    })
  )

  it.scopedLive(
    "both ends announce the flow-control windows they are given, 1 MiB per stream by default",
    () =>
      Effect.gen(function* () {
        const s = yield* server({ initialWindowSize: 256 * 1024 })
        const c = yield* client(s.address.port)
        const incoming = yield* s.incoming("5 seconds")
        const session = (incoming.duplex as http2.ServerHttp2Stream).session!
        expect(session.localSettings.initialWindowSize).toBe(256 * 1024)
        expect(session.remoteSettings.initialWindowSize).toBe(1024 * 1024)
        // The connection's window: 16 MiB by default, on top of the 64 KiB every connection starts with.
        yield* Effect.scoped(c.get(incoming.id, "5 seconds"))
        expect(session.state.remoteWindowSize).toBeGreaterThan(8 * 1024 * 1024)
      })
  )

  it.scopedLive("refuses a client outside allowedClients with a typed error; the server carries on", () =>
    Effect.gen(function* () {
      const log = yield* errorLog
      const s = yield* server({ allowedClients: ["10.0.0.0/8", "::1"], onError: log.onError })
      const clientLog = yield* errorLog
      yield* client(s.address.port, { onError: clientLog.onError })
      const refused = yield* log.await("Refused")
      expect(refused.detail).toContain("not allowed")
      const lost = yield* clientLog.await("GoAway")
      expect(lost.detail).toContain("code 7")
      expect((yield* s.stats).ready).toBe(true)
      const timedOut = yield* Effect.either(Effect.scoped(s.incoming("50 millis")))
      expect(Either.isLeft(timedOut) && timedOut.left._tag).toBe("TimeoutError")
    })
  )

  it.scopedLive("opens over the server's capacity are refused typed and counted on both ends", () =>
    Effect.gen(function* () {
      const log = yield* errorLog
      const s = yield* server({ maxCapacity: 2, onError: log.onError })
      const c = yield* client(s.address.port, { minCapacity: 4, maxCapacity: 8 })
      yield* log.await("OverCapacity")
      expect((yield* s.stats).active).toBe(2)
      const fiber = yield* Effect.fork(roundTrip(s, c))
      yield* Fiber.join(fiber)
    })
  )

  it.scopedLive("each stream is a platform Socket: run and writer on both ends", () =>
    Effect.gen(function* () {
      const s = yield* server()
      const c = yield* client(s.address.port)
      const incoming = yield* s.incoming("5 seconds")
      const outgoing = yield* c.get(incoming.id, "5 seconds")
      // The server end echoes with the Socket API; the client end speaks through it too.
      const echoWrite = yield* incoming.socket.writer
      yield* Effect.fork(incoming.socket.run((chunk) => echoWrite(chunk)))
      const write = yield* outgoing.socket.writer
      const received = yield* Deferred.make<string>()
      let text = ""
      yield* Effect.fork(
        outgoing.socket.run((chunk) => {
          text += new TextDecoder().decode(chunk)
          if (text.length >= 11) Deferred.unsafeDone(received, Effect.succeed(text))
        })
      )
      yield* write(new TextEncoder().encode("hello "))
      yield* write(new TextEncoder().encode("world"))
      expect(yield* Deferred.await(received)).toBe("hello world")
    })
  )

  it.scopedLive("verifies the server certificate by default; skips it only when insecure is asked", () =>
    Effect.gen(function* () {
      const s = yield* server({ h2c: false, tls: TestCerts.leaf })
      const log = yield* errorLog
      yield* client(s.address.port, { h2c: false, onError: log.onError })
      const refused = yield* log.await("Connect")
      expect(String(refused.cause)).toMatch(/certificate/i)
      const insecure = yield* client(s.address.port, { h2c: false, tls: { insecure: true } })
      yield* roundTrip(s, insecure)
    })
  )
})
