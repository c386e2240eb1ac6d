import { createHash } from "node:crypto"
import * as http2 from "node:http2"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { Http2TestServer, TestCerts } from "@effect-requests/testing"
import { connect as connectTcp, write } from "./helpers.js"

interface Reply {
  readonly status: number
  readonly headers: http2.IncomingHttpHeaders
  readonly body: Buffer
  /** RST_STREAM code the stream closed with; 0 for a clean end. */
  readonly rstCode: number
}

/** A node client session, closed with the scope. */
const connect = (
  server: Http2TestServer.Http2TestServer,
  options: http2.SecureClientSessionOptions = {}
): Effect.Effect<http2.ClientHttp2Session, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<http2.ClientHttp2Session, Error>((resume) => {
      const session = http2.connect(server.url, { ca: TestCerts.ca, ...options })
      // Errors end the session; tests observe that through 'close' and the server's counters.
      session.on("error", () => session.destroy())
      session.once("connect", () => resume(Effect.succeed(session)))
      session.once("close", () => resume(Effect.fail(new Error("session closed before connecting"))))
    }),
    (session) => Effect.sync(() => session.destroy())
  )

/** One request; settles when the stream closes, whatever the code. */
const request = (
  session: http2.ClientHttp2Session,
  path: string,
  options: {
    readonly method?: string
    readonly headers?: http2.OutgoingHttpHeaders
    readonly body?: string | Buffer
  } = {}
): Effect.Effect<Reply> =>
  Effect.async<Reply>((resume) => {
    const stream = session.request({ ":path": path, ":method": options.method ?? "GET", ...options.headers })
    let status = 0
    let headers: http2.IncomingHttpHeaders = {}
    const chunks: Array<Buffer> = []
    stream.on("response", (h) => {
      status = h[":status"] ?? 0
      headers = h
    })
    stream.on("data", (chunk: Buffer) => chunks.push(chunk))
    // A reset arrives as an error too; the reply carries its code as `rstCode`.
    stream.on("error", () => stream.destroy())
    stream.once("close", () =>
      resume(Effect.succeed({ status, headers, body: Buffer.concat(chunks), rstCode: stream.rstCode }))
    )
    stream.end(options.body)
    return Effect.sync(() => stream.close(http2.constants.NGHTTP2_CANCEL))
  })

/** The client connection preface, then an empty SETTINGS frame. */
const preface = Buffer.concat([
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"),
  Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0])
])

const remoteSettings = (session: http2.ClientHttp2Session): Effect.Effect<http2.Settings> =>
  Effect.async<http2.Settings>((resume) => {
    session.once("remoteSettings", (settings) => resume(Effect.succeed(settings)))
  })

describe("Http2TestServer", () => {
  describe("routes", () => {
    it.scoped("/bytes, HEAD, /stream, /status, /set-cookie and 404", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const session = yield* connect(server)
        const bytes = yield* request(session, "/bytes/100")
        expect(bytes.status).toBe(200)
        expect(bytes.headers["content-length"]).toBe("100")
        expect(bytes.body.equals(Http2TestServer.bytes(100))).toBe(true)
        const head = yield* request(session, "/bytes/100", { method: "HEAD" })
        expect(head.headers["content-length"]).toBe("100")
        expect(head.body.length).toBe(0)
        expect((yield* request(session, "/bytes/1", { method: "POST", body: "x" })).status).toBe(405)
        const stream = yield* request(session, `/stream/${1024 * 1024 + 5}`)
        expect(stream.body.equals(Http2TestServer.bytes(1024 * 1024 + 5))).toBe(true)
        const status = yield* request(session, "/status/302?location=/there")
        expect(status.status).toBe(302)
        expect(status.headers["location"]).toBe("/there")
        const cookies = yield* request(session, "/set-cookie")
        expect(cookies.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"])
        expect((yield* request(session, "/nowhere")).status).toBe(404)
        expect(server.stats).toMatchObject({ sessionsOpened: 1, requests: 7 })
      })
    )

    it.scoped("/echo describes the request, /upload hashes the body", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const session = yield* connect(server)
        const echo = yield* request(session, "/echo?a=1", {
          method: "POST",
          headers: { "x-a": "b" },
          body: "hello"
        })
        expect(JSON.parse(echo.body.toString("utf8"))).toMatchObject({
          method: "POST",
          path: "/echo?a=1",
          scheme: "http",
          headers: { "x-a": "b" },
          body: "hello"
        })
        const data = Buffer.alloc(300_000, 7)
        const upload = yield* request(session, "/upload", { method: "PUT", body: data })
        expect(JSON.parse(upload.body.toString("utf8"))).toEqual({
          bytes: data.length,
          sha256: createHash("sha256").update(data).digest("hex")
        })
      })
    )

    it.scoped("/reset/:code resets with the code; /reset-body/:n resets mid-body", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const session = yield* connect(server)
        expect((yield* request(session, "/reset/7")).rstCode).toBe(7)
        expect((yield* request(session, "/reset/13")).rstCode).toBe(13)
        const cut = yield* request(session, "/reset-body/1000")
        expect(cut.status).toBe(200)
        expect(cut.rstCode).toBe(2)
        expect(cut.body.length).toBeLessThan(1000)
      })
    )

    it.scoped("/hold/:key answers once released, and at once from then on", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const session = yield* connect(server)
        const a = yield* Effect.fork(request(session, "/hold/a"))
        const b = yield* Effect.fork(request(session, "/hold/b"))
        yield* server.awaitRequests(2)
        yield* server.release("a")
        expect((yield* Fiber.join(a)).body.toString()).toBe("a")
        expect(server.sessions[0]!.openStreams).toBe(1)
        expect((yield* request(session, "/hold/a")).body.toString()).toBe("a")
        yield* server.release()
        expect((yield* Fiber.join(b)).body.toString()).toBe("b")
        expect((yield* request(session, "/hold/c")).body.toString()).toBe("c")
      })
    )
  })

  it.scoped("serves TLS with ALPN h2", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      expect(server.url).toMatch(/^https:/)
      const session = yield* connect(server, { servername: "localhost" })
      expect(session.alpnProtocol).toBe("h2")
      expect((yield* request(session, "/bytes/3")).body.toString()).toBe("abc")
    })
  )

  it.scoped("counts request ids, answered responses, sessions and peak concurrency", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const one = yield* connect(server)
      const two = yield* connect(server)
      const held = yield* Effect.forkAll(
        [1, 2, 3].map(() => request(one, "/hold/k", { headers: { "x-request-id": "x" } }))
      )
      yield* server.awaitRequests(3)
      yield* request(two, "/bytes/1", { headers: { "x-request-id": "y" } })
      yield* server.release()
      yield* Fiber.join(held)
      expect(server.requestIds.get("x")).toBe(3)
      expect(server.answeredIds.get("x")).toBe(3)
      expect(server.answeredIds.get("y")).toBe(1)
      expect(server.stats).toMatchObject({ sessionsOpened: 2, openSessions: 2, peakConcurrentStreams: 3 })
      expect(server.sessions.map((s) => s.peakConcurrentStreams)).toEqual([3, 1])
      expect(server.streams.filter((s) => s.session === 0).map((s) => s.id)).toEqual([1, 3, 5])
      one.close()
      yield* server.awaitSessionsClosed(1)
      expect(server.sessions[0]!.closed).toBe(true)
      expect(server.sessions[0]!.goaway).toMatchObject({ code: 0 })
    })
  )

  describe("faults", () => {
    it.scoped(
      "the await helpers and setMaxConcurrentStreams give up in real time, under the TestClock, saying what they saw",
      () =>
        Effect.gen(function* () {
          const server = yield* Http2TestServer.make()
          // A peer that opens a session and never acknowledges SETTINGS.
          const socket = yield* connectTcp(server.port)
          yield* write(socket, preface)
          yield* server.awaitSessions(1)
          const options = { timeoutMillis: 20 }
          const messages = yield* Effect.forEach(
            [
              server.awaitRequests(1, options),
              server.awaitSessions(2, options),
              server.awaitSessionsClosed(1, options),
              server.awaitClosedConnections(1, options),
              server.awaitStreamsClosed(1, options),
              server.setMaxConcurrentStreams(2, options)
            ],
            (wait) => Effect.map(Effect.flip(wait), (error) => error.message)
          )
          expect(messages).toEqual([
            "awaitRequests: wanted 1 request, saw 0 after 20 ms",
            "awaitSessions: wanted 2 sessions, saw 1 after 20 ms",
            "awaitSessionsClosed: wanted 1 closed session, saw 0 after 20 ms",
            "awaitClosedConnections: wanted 1 closed connection, saw 0 after 20 ms",
            "awaitStreamsClosed: wanted 1 closed stream, saw 0 after 20 ms",
            "setMaxConcurrentStreams: wanted 1 SETTINGS acknowledgement, saw 0 after 20 ms"
          ])
        }),
      10_000
    )

    it.scoped(
      "maxConcurrentStreams is announced, and setMaxConcurrentStreams changes it on open sessions",
      () =>
        Effect.gen(function* () {
          const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
          const session = yield* connect(server)
          if (session.remoteSettings.maxConcurrentStreams !== 3) yield* remoteSettings(session)
          expect(session.remoteSettings.maxConcurrentStreams).toBe(3)
          yield* server.setMaxConcurrentStreams(1)
          // Acknowledged, so the client has applied it.
          expect(session.remoteSettings.maxConcurrentStreams).toBe(1)
          const later = yield* connect(server)
          if (later.remoteSettings.maxConcurrentStreams !== 1) yield* remoteSettings(later)
          expect(later.remoteSettings.maxConcurrentStreams).toBe(1)
        })
    )

    it.scoped("goaway sends the given lastStreamId and code; streams above it are refused", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const session = yield* connect(server)
        const goaway = Effect.async<readonly [number, number]>((resume) => {
          session.once("goaway", (code, last) => resume(Effect.succeed([code, last] as const)))
        })
        const streams = yield* Effect.forkAll([1, 2, 3].map(() => request(session, "/hold/k")))
        yield* server.awaitRequests(3)
        const seen = yield* Effect.fork(goaway)
        yield* server.goaway({ lastStreamId: 3 })
        expect(yield* Fiber.join(seen)).toEqual([0, 3])
        yield* server.release()
        const replies = yield* Fiber.join(streams)
        expect(replies.map((r) => r.rstCode)).toEqual([0, 0, 7])
        expect(replies.map((r) => r.status)).toEqual([200, 200, 0])
      })
    )

    it.scoped("resetFirstTry resets the first try of each request id only", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const session = yield* connect(server)
        yield* server.resetFirstTry(7)
        const headers = { "x-request-id": "r" }
        expect((yield* request(session, "/bytes/1", { headers })).rstCode).toBe(7)
        expect((yield* request(session, "/bytes/1", { headers })).status).toBe(200)
        // Without a request id nothing is reset.
        expect((yield* request(session, "/bytes/1")).status).toBe(200)
        expect(server.requestIds.get("r")).toBe(2)
      })
    )

    it.scoped("stall silences open connections only; drop resets them", () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const stalled = yield* connect(server)
        yield* request(stalled, "/bytes/1")
        yield* server.stall
        const lost = yield* Effect.fork(request(stalled, "/bytes/1"))
        const fresh = yield* connect(server)
        expect((yield* request(fresh, "/bytes/2")).body.toString()).toBe("ab")
        // The stalled connection's request never reached the server.
        expect(server.stats.requests).toBe(2)
        yield* server.drop
        const closed = Effect.async<void>((resume) => {
          if (stalled.destroyed) return resume(Effect.void)
          stalled.once("close", () => resume(Effect.void))
        })
        yield* closed
        yield* Fiber.interrupt(lost)
        yield* server.awaitClosedConnections(2)
        expect(server.stats.openConnections).toBe(0)
      })
    )
  })

  it.effect("closing the scope closes every connection and session", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(Http2TestServer.make(), scope)
      const session = yield* Scope.extend(connect(server), scope)
      const pending = yield* Effect.fork(request(session, "/delay-headers"))
      yield* server.awaitRequests(1)
      yield* Scope.close(scope, Exit.void)
      expect(server.stats).toMatchObject({ openConnections: 0, openSessions: 0, sessionsClosed: 1 })
      yield* Fiber.join(pending)
    })
  )
})
