import * as http2 from "node:http2"
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, RawServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Stream, TestClock } from "effect"
import type { PreparedBody } from "../../../src/internal/exchange/request-body.js"
import { awaitDeadline, fetchText, poolLayer, send, stats } from "./support.js"

const hold = (server: Http2TestServer.Http2TestServer, key: string, id: string) =>
  fetchText(`${server.url}/hold/${key}`, { headers: { "x-request-id": id } })

const many = (n: number, f: (i: number) => ReturnType<typeof hold>) =>
  Effect.forkAll(Array.from({ length: n }, (_, i) => Effect.either(f(i))))

const oneShot = (text: string): PreparedBody => ({
  _tag: "Stream",
  stream: Stream.make(text).pipe(Stream.encodeText),
  length: undefined,
  contentType: "text/plain"
})

/**
 * Ten held requests on one connection, a GOAWAY(INTERNAL_ERROR) whose
 * lastStreamId is the fifth, then every request answered: what each got.
 */
const tenHeldThenGoAwayWithError = Effect.gen(function* () {
  const server = yield* Http2TestServer.make()
  const fibers = yield* many(10, (i) => hold(server, "k", `r${i}`))
  yield* server.awaitRequests(10)
  const ids = [...server.sessions[0]!.streamIds].sort((a, b) => a - b)
  yield* server.goaway({ lastStreamId: ids[4]!, code: 2 })
  // The five above lastStreamId come again, on a new connection.
  yield* server.awaitRequests(15)
  yield* server.release()
  return { server, ids, replies: yield* Fiber.join(fibers) }
})

describe("H2ConnectionPool and GOAWAY", () => {
  it.scoped("GOAWAY in the middle of 50 in-flight requests: each succeeds exactly once", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const fibers = yield* many(50, (i) => hold(server, "k", `r${i}`))
      yield* server.awaitRequests(50)
      const ids = [...server.sessions[0]!.streamIds].sort((a, b) => a - b)
      const lastStreamId = ids[24]!
      yield* server.goaway({ lastStreamId })
      // The 25 streams above lastStreamId were not processed: they come again, on a new connection.
      yield* server.awaitRequests(75)
      expect(server.stats.sessionsOpened).toBe(2)
      expect(server.streams.slice(50).every((s) => s.session === 1)).toBe(true)
      const fresh = yield* Effect.fork(fetchText(`${server.url}/bytes/3`))
      expect((yield* Fiber.join(fresh)).text).toBe("abc")
      expect(server.streams.at(-1)?.session).toBe(1)
      yield* server.release()
      const replies = yield* Fiber.join(fibers)
      expect(replies.every((r) => r._tag === "Right" && r.right.status === 200)).toBe(true)
      for (let i = 0; i < 50; i++) expect(server.answeredIds.get(`r${i}`)).toBe(1)
      const replayed = [...server.requestIds.values()].filter((n) => n === 2)
      expect(replayed).toHaveLength(25)
      expect((yield* stats).goaways).toBe(1)
      // The first connection closes once its last stream ended.
      yield* server.awaitClosedConnections(1)
      expect((yield* stats).activeStreams).toBe(0)
    }).pipe(Effect.provide(poolLayer()))
  )

  /**
   * A server whose first `refusing` sessions say GOAWAY as they start, before
   * processing any stream: the client's first stream on each is turned away.
   */
  const goawayOnArrival = (refusing: number) => {
    let sessions = 0
    return Http2TestServer.make({
      onSession: (session) => {
        if (++sessions <= refusing) session.goaway(http2.constants.NGHTTP2_NO_ERROR, 0)
      }
    })
  }

  it.scoped(
    "a request turned away by GOAWAY again and again is replayed each time, on a new connection",
    () =>
      Effect.gen(function* () {
        const server = yield* goawayOnArrival(3)
        expect(yield* fetchText(`${server.url}/bytes/2`)).toEqual({ status: 200, text: "ab" })
        expect(server.stats).toMatchObject({ sessionsOpened: 4, requests: 1 })
        expect((yield* stats).goaways).toBe(3)
        // Each connection the server sent away is closed by us, with the pool still open.
        yield* server.awaitClosedConnections(3)
        expect((yield* stats).connections).toBe(1)
      }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("the replays after GOAWAY are bounded: a server turning everything away gets a GoAwayError", () =>
    Effect.gen(function* () {
      const server = yield* goawayOnArrival(Infinity)
      const failure = yield* Effect.flip(fetchText(`${server.url}/`))
      expect(failure).toMatchObject({ _tag: "GoAwayError", code: 0, lastStreamId: 0, streamId: 1 })
      // The first try and eight replays, each on a connection of its own.
      expect(server.stats).toMatchObject({ sessionsOpened: 9, requests: 0 })
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("a POST with a one-shot body above lastStreamId fails with GoAwayError, not silently", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const gets = yield* many(10, (i) => hold(server, "k", `r${i}`))
      yield* server.awaitRequests(10)
      const post = yield* Effect.fork(
        fetchText(`${server.url}/hold/k`, {
          method: "POST",
          headers: { "x-request-id": "post" },
          body: oneShot("payload")
        })
      )
      yield* server.awaitRequests(11)
      const ids = [...server.sessions[0]!.streamIds].sort((a, b) => a - b)
      const postId = server.streams.find((s) => s.requestId === "post")!.id
      yield* server.goaway({ lastStreamId: ids[4]! })
      const error = yield* Effect.flip(Fiber.join(post))
      expect(error).toMatchObject({
        _tag: "GoAwayError",
        code: 0,
        codeName: "NO_ERROR",
        lastStreamId: ids[4],
        streamId: postId,
        protocol: "h2"
      })
      expect(server.requestIds.get("post")).toBe(1)
      yield* server.release()
      const replies = yield* Fiber.join(gets)
      expect(replies.every((r) => r._tag === "Right")).toBe(true)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped(
    "a GOAWAY with an error code: the streams below lastStreamId finish while the server lets them, the others are replayed",
    () =>
      Effect.gen(function* () {
        const { server, replies } = yield* tenHeldThenGoAwayWithError
        expect(replies.every((r) => r._tag === "Right")).toBe(true)
        // Each request reached a handler once, except the five above lastStreamId, which came twice.
        expect(server.stats.requests).toBe(15)
      }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped(
    "node engine: a GOAWAY with an error code fails the streams it may have processed and replays the others",
    () =>
      Effect.gen(function* () {
        const { ids, replies } = yield* tenHeldThenGoAwayWithError
        const failed = replies.flatMap((r) => (r._tag === "Left" ? [r.left] : []))
        // Node destroys the session at once, streams it had left to finish included.
        expect(failed).toHaveLength(5)
        for (const error of failed) {
          expect(error).toMatchObject({
            _tag: "GoAwayError",
            code: 2,
            codeName: "INTERNAL_ERROR",
            lastStreamId: ids[4]
          })
          expect(error._tag === "GoAwayError" && error.streamId <= ids[4]!).toBe(true)
        }
        expect(replies.filter((r) => r._tag === "Right")).toHaveLength(5)
      }).pipe(Effect.provide(poolLayer({ engine: "node" })))
  )

  it.scoped(
    "a GOAWAY with an error code, then the socket closed: the streams left fail with that GOAWAY",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const fibers = yield* many(4, (i) => hold(server, "k", `r${i}`))
        yield* server.awaitRequests(4)
        const ids = [...server.sessions[0]!.streamIds].sort((a, b) => a - b)
        yield* server.goaway({ lastStreamId: ids[3]!, code: 2 })
        // A request sent after the GOAWAY was heard goes to a new connection: once it is answered, the old one knows.
        yield* fetchText(`${server.url}/after`)
        expect(server.stats.sessionsOpened).toBe(2)
        yield* server.drop
        const replies = yield* Fiber.join(fibers)
        for (const reply of replies) {
          expect(reply._tag).toBe("Left")
          if (reply._tag === "Left")
            expect(reply.left, String(reply.left.message)).toMatchObject({
              _tag: "GoAwayError",
              code: 2,
              lastStreamId: ids[3]
            })
        }
      }).pipe(Effect.provide(poolLayer()))
  )
})

describe("H2ConnectionPool and stream resets", () => {
  it.scoped("REFUSED_STREAM on the first try succeeds on the retry", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      yield* server.resetFirstTry(7)
      const reply = yield* fetchText(`${server.url}/bytes/4`, { headers: { "x-request-id": "a" } })
      expect(reply.text).toBe("abcd")
      expect(server.requestIds.get("a")).toBe(2)
      expect((yield* stats).refused).toBe(1)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("REFUSED_STREAM is retried once only, and never for a one-shot body", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const twice = yield* Effect.flip(send(`${server.url}/reset/7`, { headers: { "x-request-id": "b" } }))
      expect(twice).toMatchObject({
        _tag: "StreamResetError",
        code: 7,
        codeName: "REFUSED_STREAM",
        phase: "headers"
      })
      expect(server.requestIds.get("b")).toBe(2)
      yield* server.resetFirstTry(7)
      const streamed = yield* Effect.flip(
        send(`${server.url}/upload`, { method: "POST", headers: { "x-request-id": "c" }, body: oneShot("x") })
      )
      expect(streamed).toMatchObject({ _tag: "StreamResetError", code: 7 })
      expect(server.requestIds.get("c")).toBe(1)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("other RST_STREAM codes give StreamResetError with the code", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const internal = yield* Effect.flip(send(`${server.url}/reset/2`, { headers: { "x-request-id": "i" } }))
      expect(internal).toMatchObject({
        _tag: "StreamResetError",
        code: 2,
        codeName: "INTERNAL_ERROR",
        protocol: "h2"
      })
      expect(server.requestIds.get("i")).toBe(1)
      const h11 = yield* Effect.flip(send(`${server.url}/reset/13`))
      expect(h11).toMatchObject({ _tag: "StreamResetError", code: 13, codeName: "HTTP_1_1_REQUIRED" })
      const response = yield* send(`${server.url}/reset-body/100000`)
      expect(response.head.status).toBe(200)
      const midBody = yield* Effect.flip(response.body.readAll)
      expect(midBody).toMatchObject({ _tag: "StreamResetError", code: 2, phase: "body" })
      expect(yield* stats).toMatchObject({ resets: 3, refused: 0, activeStreams: 0, connections: 1 })
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("interrupting a request sends RST_STREAM(CANCEL) and frees its slot at once", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      const waiting = yield* Effect.fork(hold(server, "x", "x"))
      yield* server.awaitRequests(1)
      yield* Fiber.interrupt(waiting)
      expect((yield* stats).activeStreams).toBe(0)
      expect((yield* fetchText(`${server.url}/bytes/2`)).text).toBe("ab")
      yield* server.awaitStreamsClosed(2)
      expect(server.streams[0]!.rstCode).toBe(8)
      // Mid-body too: the download stops at the server.
      const firstChunk = yield* Deferred.make<void>()
      const reading = yield* Effect.fork(
        Effect.flatMap(send(`${server.url}/stream/${64 * 1024 * 1024}`), (r) =>
          // A reader that stops reading abandons the body, as the platform response's stream does.
          Effect.forever(Effect.zipRight(r.body.pull, Deferred.succeed(firstChunk, undefined))).pipe(
            Effect.ensuring(Effect.sync(r.body.abandon))
          )
        )
      )
      yield* Deferred.await(firstChunk)
      yield* Fiber.interrupt(reading)
      expect((yield* stats).activeStreams).toBe(0)
      yield* server.awaitStreamsClosed(3)
      expect(server.streams[2]!.rstCode).toBe(8)
      expect(server.stats.sessionsOpened).toBe(1)
    }).pipe(Effect.provide(poolLayer({ strictMaxConcurrentStreams: true })))
  )
})

describe("H2ConnectionPool and dying sessions", () => {
  it.scoped("a connection lost mid-stream fails every in-flight stream at once and is evicted", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const fibers = yield* many(10, (i) => hold(server, "k", `r${i}`))
      yield* server.awaitRequests(10)
      const download = yield* send(`${server.url}/stream/${64 * 1024 * 1024}`)
      yield* download.body.pull
      yield* server.drop
      const replies = yield* Fiber.join(fibers)
      for (const reply of replies) {
        expect(reply._tag === "Left" && reply.left).toMatchObject({
          _tag: "ClosedError",
          protocol: "h2",
          phase: "headers"
        })
      }
      const cut = yield* Effect.flip(download.body.readAll)
      // The eleventh stream of the connection, cut by a reset the socket reported.
      expect(cut).toMatchObject({
        _tag: "ClosedError",
        protocol: "h2",
        phase: "body",
        responseStarted: true,
        reused: true,
        cause: { code: "ECONNRESET" }
      })
      expect(yield* stats).toMatchObject({ connections: 0 })
      const again = yield* fetchText(`${server.url}/bytes/1`)
      expect(again.text).toBe("a")
      expect(server.stats.sessionsOpened).toBe(2)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("a connection lost after its SETTINGS: the request queued for it gets a new connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      const held = yield* Effect.fork(hold(server, "k", "held"))
      yield* server.awaitRequests(1)
      const queued = yield* Effect.fork(fetchText(`${server.url}/bytes/2`))
      yield* server.drop
      expect(yield* Effect.flip(Fiber.join(held))).toMatchObject({ _tag: "ClosedError", phase: "headers" })
      expect(yield* Fiber.join(queued)).toEqual({ status: 200, text: "ab" })
      expect(server.stats.sessionsOpened).toBe(2)
    }).pipe(Effect.provide(poolLayer({ strictMaxConcurrentStreams: true })))
  )

  it.scoped(
    "a server that closes before its SETTINGS: the request queued behind the dial fails with ClosedError in phase settings",
    () =>
      Effect.gen(function* () {
        // Reads the client's preface, then closes without a SETTINGS of its own.
        const server = yield* RawServer.make((conn) => Effect.zipRight(conn.readBytes(24), conn.end))
        const first = yield* Effect.fork(send(`${server.url}/first`))
        const queued = yield* Effect.fork(send(`${server.url}/queued`))
        expect(yield* Effect.flip(Fiber.join(first))).toMatchObject({ _tag: "ClosedError", protocol: "h2" })
        expect(yield* Effect.flip(Fiber.join(queued))).toMatchObject({
          _tag: "ClosedError",
          protocol: "h2",
          phase: "settings",
          reused: false,
          responseStarted: false
        })
        expect(server.connectionsOpened).toBe(1)
      }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("a server that never sends SETTINGS fails its requests within settingsTimeout", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) => conn.closed)
      const first = yield* Effect.fork(send(`${server.url}/`))
      const second = yield* Effect.fork(send(`${server.url}/`))
      yield* awaitDeadline(5000)
      yield* TestClock.adjust("5 seconds")
      const timeout = { _tag: "TimeoutError", phase: "settings", protocol: "h2", timeoutMillis: 5000 }
      expect(yield* Effect.flip(Fiber.join(first))).toMatchObject(timeout)
      expect(yield* Effect.flip(Fiber.join(second))).toMatchObject(timeout)
      yield* server.awaitClosedConnections(1)
      expect(yield* stats).toMatchObject({ connections: 0, activeStreams: 0 })
    }).pipe(Effect.provide(poolLayer({ settingsTimeout: "5 seconds" })))
  )

  it.scoped.each(["own", "node"] as const)(
    "%s engine: a server that never acknowledges our SETTINGS is cut off after settingsTimeout",
    (engine) =>
      Effect.gen(function* () {
        // SETTINGS of its own, then nothing: no ACK, no answer.
        const server = yield* RawServer.make((conn) =>
          Effect.zipRight(conn.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])), conn.closed)
        )
        const request = yield* Effect.fork(send(`${server.url}/`))
        yield* awaitDeadline(5000)
        yield* TestClock.adjust("5 seconds")
        expect(yield* Effect.flip(Fiber.join(request))).toMatchObject({
          _tag: "TimeoutError",
          phase: "settings",
          protocol: "h2"
        })
        yield* server.awaitClosedConnections(1)
      }).pipe(Effect.provide(poolLayer({ settingsTimeout: "5 seconds", engine })))
  )
})
