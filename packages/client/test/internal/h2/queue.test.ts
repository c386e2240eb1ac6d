import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer } from "@effect-requests/testing"
import { Effect, Fiber, TestClock } from "effect"
import { awaitDeadline, fetchText, poolLayer, stats } from "./support.js"

const hold = (server: Http2TestServer.Http2TestServer, key: string, id: string) =>
  fetchText(`${server.url}/hold/${key}`, { headers: { "x-request-id": id } })

const many = (n: number, f: (i: number) => ReturnType<typeof hold>) =>
  Effect.forkAll(Array.from({ length: n }, (_, i) => f(i)))

describe("H2ConnectionPool stream limits", () => {
  it.scoped("100 concurrent requests to a server allowing 100 streams share one connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 100 })
      const fibers = yield* many(100, (i) => hold(server, "k", `r${i}`))
      yield* server.awaitRequests(100)
      expect(server.stats.sessionsOpened).toBe(1)
      expect(yield* stats).toMatchObject({ connections: 1, activeStreams: 100, maxConcurrent: 100 })
      yield* server.release()
      const replies = yield* Fiber.join(fibers)
      expect(replies.every((r) => r.status === 200 && r.text === "k")).toBe(true)
      expect(server.stats.sessionsOpened).toBe(1)
      expect(server.stats.peakConcurrentStreams).toBe(100)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("in strict mode, 100 requests to a server allowing 10 queue on one connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 10 })
      const fibers = yield* many(100, (i) => hold(server, "k", `r${i}`))
      yield* server.awaitRequests(10)
      expect(yield* stats).toMatchObject({ connections: 1, activeStreams: 10, maxConcurrent: 10 })
      expect(server.stats.requests).toBe(10)
      yield* server.release()
      const replies = yield* Fiber.join(fibers)
      expect(replies.filter((r) => r.status === 200)).toHaveLength(100)
      expect(server.stats.sessionsOpened).toBe(1)
      expect(server.stats.peakConcurrentStreams).toBeLessThanOrEqual(10)
      expect((yield* stats).refused).toBe(0)
    }).pipe(Effect.provide(poolLayer({ strictMaxConcurrentStreams: true })))
  )

  it.scoped(
    "without strict mode, full connections make new ones up to the limit, none over its streams",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ maxConcurrentStreams: 10 })
        const fibers = yield* many(100, (i) => hold(server, "k", `r${i}`))
        yield* server.awaitRequests(40)
        expect(server.stats.sessionsOpened).toBe(4)
        expect(server.sessions.map((s) => s.openStreams)).toEqual([10, 10, 10, 10])
        expect(yield* stats).toMatchObject({ connections: 4, activeStreams: 40, maxConcurrent: 40 })
        yield* server.release()
        const replies = yield* Fiber.join(fibers)
        expect(replies.filter((r) => r.status === 200)).toHaveLength(100)
        expect(server.stats.sessionsOpened).toBe(4)
        expect(server.stats.peakConcurrentStreams).toBe(10)
        expect((yield* stats).refused).toBe(0)
      }).pipe(Effect.provide(poolLayer({ maxConnectionsPerEndpoint: 4 })))
  )

  it.scoped("a burst issued before SETTINGS arrive never meets REFUSED_STREAM", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
      const replies = yield* Effect.all(
        Array.from({ length: 20 }, () => fetchText(`${server.url}/bytes/10`)),
        { concurrency: "unbounded" }
      )
      expect(replies.every((r) => r.status === 200 && r.text === "abcdefghij")).toBe(true)
      expect((yield* stats).refused).toBe(0)
      expect(server.stats.requests).toBe(20)
      expect(server.stats.peakConcurrentStreams).toBeLessThanOrEqual(3)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("follows the server when it lowers and raises its limit mid-connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 10 })
      yield* fetchText(`${server.url}/bytes/1`)
      expect((yield* stats).maxConcurrent).toBe(10)
      yield* server.setMaxConcurrentStreams(2)
      expect((yield* stats).maxConcurrent).toBe(2)
      const fibers = yield* many(5, (i) => hold(server, "k", `r${i}`))
      yield* server.awaitRequests(3)
      expect(yield* stats).toMatchObject({ activeStreams: 2, connections: 1 })
      expect(server.sessions[0]!.openStreams).toBe(2)
      yield* server.setMaxConcurrentStreams(4)
      yield* server.awaitRequests(5)
      expect(yield* stats).toMatchObject({ activeStreams: 4, maxConcurrent: 4 })
      yield* server.release()
      expect((yield* Fiber.join(fibers)).every((r) => r.status === 200)).toBe(true)
      expect((yield* stats).refused).toBe(0)
      expect(server.stats.sessionsOpened).toBe(1)
    }).pipe(Effect.provide(poolLayer({ strictMaxConcurrentStreams: true })))
  )

  it.scoped("packs new streams onto the fullest connection that has room", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 4 })
      const fibers = new Map<
        string,
        Fiber.RuntimeFiber<{ readonly status: number; readonly text: string }, unknown>
      >()
      for (let i = 0; i < 8; i++) fibers.set(`r${i}`, yield* Effect.fork(hold(server, `r${i}`, `r${i}`)))
      yield* server.awaitRequests(8)
      const on = (session: number) =>
        server.streams.filter((s) => s.session === session).map((s) => s.requestId!)
      expect(on(0)).toHaveLength(4)
      expect(on(1)).toHaveLength(4)
      // Leave one stream on the first connection and three on the second.
      const done = [...on(0).slice(0, 3), on(1)[0]!]
      for (const key of done) yield* server.release(key)
      for (const key of done) yield* Fiber.join(fibers.get(key)!)
      expect((yield* stats).activeStreams).toBe(4)
      const next = yield* Effect.fork(hold(server, "next", "next"))
      yield* server.awaitRequests(9)
      expect(server.streams.find((s) => s.requestId === "next")?.session).toBe(1)
      yield* server.release()
      yield* Fiber.join(next)
      for (const fiber of fibers.values()) yield* Fiber.join(fiber)
    }).pipe(Effect.provide(poolLayer({ maxConnectionsPerEndpoint: 2 })))
  )

  it.scoped("a request that waits longer than acquireTimeout for a slot fails with TimeoutError", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      const first = yield* Effect.fork(hold(server, "a", "a"))
      yield* server.awaitRequests(1)
      const second = yield* Effect.fork(fetchText(`${server.url}/bytes/1`))
      yield* awaitDeadline(7000)
      yield* TestClock.adjust("7 seconds")
      const error = yield* Effect.flip(Fiber.join(second))
      expect(error).toMatchObject({
        _tag: "TimeoutError",
        phase: "acquire",
        protocol: "h2",
        timeoutMillis: 7000
      })
      expect(server.stats.requests).toBe(1)
      yield* server.release()
      expect((yield* Fiber.join(first)).status).toBe(200)
      expect(yield* stats).toMatchObject({ activeStreams: 0 })
    }).pipe(Effect.provide(poolLayer({ strictMaxConcurrentStreams: true, acquireTimeout: "7 seconds" })))
  )
})
