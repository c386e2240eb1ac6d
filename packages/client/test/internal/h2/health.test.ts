import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer } from "@effect-requests/testing"
import { Duration, Effect, Fiber, TestClock } from "effect"
import { awaitDeadline, fetchText, poolLayer, stats } from "./support.js"

describe("H2ConnectionPool health", () => {
  it.scoped(
    "a peer that stops answering is declared dead within pingTimeout; the next request gets a new connection",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        yield* fetchText(`${server.url}/bytes/1`)
        yield* server.stall
        // The first keep-alive tick still sees the response just read; the next one finds silence.
        yield* awaitDeadline(30_000)
        yield* TestClock.adjust("30 seconds")
        yield* awaitDeadline(30_000)
        yield* TestClock.adjust("30 seconds")
        yield* awaitDeadline(10_000)
        expect((yield* stats).connections).toBe(1)
        yield* TestClock.adjust("10 seconds")
        yield* server.awaitClosedConnections(1)
        expect((yield* stats).connections).toBe(0)
        const again = yield* fetchText(`${server.url}/bytes/2`)
        expect(again.text).toBe("ab")
        expect(server.stats.connectionsOpened).toBe(2)
      }).pipe(Effect.provide(poolLayer({ pingInterval: "30 seconds", pingTimeout: "10 seconds" })))
  )

  it.scoped("in-flight streams on a connection declared dead fail at once with ClosedError", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const waiting = yield* Effect.fork(fetchText(`${server.url}/delay-headers`))
      yield* server.awaitRequests(1)
      yield* server.stall
      yield* awaitDeadline(30_000)
      yield* TestClock.adjust("30 seconds")
      yield* awaitDeadline(10_000)
      yield* TestClock.adjust("10 seconds")
      const error = yield* Effect.flip(Fiber.join(waiting))
      expect(error).toMatchObject({
        _tag: "ClosedError",
        protocol: "h2",
        phase: "headers",
        cause: { _tag: "TimeoutError", phase: "idle", timeoutMillis: 10_000 }
      })
      // The server stalls as soon as the request reaches it, maybe before its SETTINGS ACK leaves:
      // a settingsTimeout past the test's clock keeps this about the PING.
    }).pipe(
      Effect.provide(
        poolLayer({ pingInterval: "30 seconds", pingTimeout: "10 seconds", settingsTimeout: "1 hour" })
      )
    )
  )

  it.scoped(
    "a connection silent past pingBeforeReuseAfter is pinged before reuse, and replaced if dead",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        yield* fetchText(`${server.url}/bytes/1`)
        yield* TestClock.adjust("11 seconds")
        // Alive: the ping is answered and the connection carries the request.
        expect((yield* fetchText(`${server.url}/bytes/1`)).text).toBe("a")
        expect(server.stats.connectionsOpened).toBe(1)
        yield* server.stall
        yield* TestClock.adjust("11 seconds")
        const next = yield* Effect.fork(fetchText(`${server.url}/bytes/3`))
        yield* awaitDeadline(5_000)
        yield* TestClock.adjust("5 seconds")
        expect((yield* Fiber.join(next)).text).toBe("abc")
        expect(server.stats.connectionsOpened).toBe(2)
        // The stalled connection saw no request: the ping stood in for it.
        expect(server.stats.requests).toBe(3)
      }).pipe(
        Effect.provide(
          poolLayer({
            pingInterval: Duration.infinity,
            idleTimeout: Duration.infinity,
            pingBeforeReuseAfter: "10 seconds",
            pingTimeout: "5 seconds"
          })
        )
      )
  )

  it.scoped(
    "pingBeforeReuseAfter counts from the last response heard, not from when the connection opened",
    () =>
      Effect.gen(function* () {
        let pings = 0
        const server = yield* Http2TestServer.make({
          onSession: (session) => session.on("ping", () => pings++)
        })
        yield* fetchText(`${server.url}/bytes/1`)
        yield* TestClock.adjust("8 seconds")
        yield* fetchText(`${server.url}/bytes/1`)
        yield* TestClock.adjust("8 seconds")
        // 16 s since the connection opened, 8 s since its last response: reused as it is.
        yield* fetchText(`${server.url}/bytes/1`)
        expect(pings).toBe(0)
        yield* TestClock.adjust("11 seconds")
        yield* fetchText(`${server.url}/bytes/1`)
        expect(pings).toBe(1)
        expect(server.stats.connectionsOpened).toBe(1)
      }).pipe(
        Effect.provide(
          poolLayer({
            pingInterval: Duration.infinity,
            idleTimeout: Duration.infinity,
            pingBeforeReuseAfter: "10 seconds"
          })
        )
      )
  )

  it.scoped.each(["own", "node"] as const)(
    "%s engine: a stream the client cancelled is no news from the server: the connection is still pinged before reuse",
    (engine) =>
      Effect.gen(function* () {
        let pings = 0
        const server = yield* Http2TestServer.make({
          onSession: (session) => session.on("ping", () => pings++)
        })
        yield* fetchText(`${server.url}/bytes/1`)
        yield* TestClock.adjust("8 seconds")
        const cancelled = yield* Effect.fork(fetchText(`${server.url}/delay-headers`))
        yield* server.awaitRequests(2)
        yield* Fiber.interrupt(cancelled)
        yield* server.awaitStreamsClosed(2)
        yield* TestClock.adjust("8 seconds")
        // Nothing heard for 16 s: a PING goes first.
        expect((yield* fetchText(`${server.url}/bytes/2`)).text).toBe("ab")
        expect(pings).toBe(1)
        expect(server.stats.connectionsOpened).toBe(1)
      }).pipe(
        Effect.provide(
          poolLayer({
            engine,
            pingInterval: Duration.infinity,
            idleTimeout: Duration.infinity,
            pingBeforeReuseAfter: "10 seconds"
          })
        )
      )
  )

  it.scoped("idleTimeout counts from the end of the last stream, not from when the connection opened", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      yield* fetchText(`${server.url}/bytes/1`)
      yield* awaitDeadline(60_000)
      yield* TestClock.adjust("40 seconds")
      yield* fetchText(`${server.url}/bytes/1`)
      // 60 s after the connection opened, idle for 20 s only: the reaper looks again when 60 s are up.
      yield* TestClock.adjust("20 seconds")
      yield* awaitDeadline(40_000)
      expect(server.stats.sessionsClosed).toBe(0)
      yield* TestClock.adjust("40 seconds")
      yield* server.awaitSessionsClosed(1)
      expect(server.stats.sessionsOpened).toBe(1)
    }).pipe(Effect.provide(poolLayer({ idleTimeout: "60 seconds", pingInterval: Duration.infinity })))
  )

  /** Only the PING before reuse: no keep-alive and no idle reaper to send their own. */
  const pingBeforeReuse = poolLayer({
    pingInterval: Duration.infinity,
    idleTimeout: Duration.infinity,
    pingBeforeReuseAfter: "10 seconds"
  })

  it.scoped("a connection silent for exactly pingBeforeReuseAfter is pinged before reuse", () =>
    Effect.gen(function* () {
      let pings = 0
      const server = yield* Http2TestServer.make({
        onSession: (session) => void session.on("ping", () => pings++)
      })
      yield* fetchText(`${server.url}/bytes/1`)
      yield* TestClock.adjust("10 seconds")
      expect((yield* fetchText(`${server.url}/bytes/2`)).text).toBe("ab")
      expect(pings).toBe(1)
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(pingBeforeReuse))
  )

  it.scoped("a request pinging a quiet connection keeps its slot: one that came after waits its turn", () =>
    Effect.gen(function* () {
      let pings = 0
      const server = yield* Http2TestServer.make({
        maxConcurrentStreams: 1,
        onSession: (session) => void session.on("ping", () => pings++)
      })
      const get = (id: string) => fetchText(`${server.url}/bytes/1`, { headers: { "x-request-id": id } })
      yield* get("first")
      yield* TestClock.adjust("11 seconds")
      // The first takes the only slot and pings; the second finds no slot and queues, before the PONG.
      yield* Fiber.join(yield* Effect.forkAll([get("pinged"), get("next")]))
      expect(pings).toBe(1)
      expect(server.streams.map((s) => s.requestId)).toEqual(["first", "pinged", "next"])
    }).pipe(
      Effect.provide(
        poolLayer({
          strictMaxConcurrentStreams: true,
          pingInterval: Duration.infinity,
          idleTimeout: Duration.infinity,
          pingBeforeReuseAfter: "10 seconds"
        })
      )
    )
  )

  it.scoped("an idle connection is closed with our GOAWAY after idleTimeout", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      yield* fetchText(`${server.url}/bytes/1`)
      yield* awaitDeadline(60_000)
      yield* TestClock.adjust("60 seconds")
      yield* server.awaitSessionsClosed(1)
      expect(server.sessions[0]!.goaway).toMatchObject({ code: 0 })
      expect((yield* stats).connections).toBe(0)
    }).pipe(Effect.provide(poolLayer({ idleTimeout: "60 seconds", pingInterval: Duration.infinity })))
  )
})
