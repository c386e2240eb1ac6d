/**
 * The response a user holds, through the HttpClient: its head, its body read
 * every way the platform offers, read once and kept, and `maxBodySize`
 * checked on what is declared and on what arrived.
 */
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Limits, Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, TestCerts } from "@effect-requests/testing"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { collectGarbage, eventLoopTurn } from "../../helpers.js"

const client = Requests.layer()

/** Answers each path with a fixed response. */
const routes = (req: http.IncomingMessage, res: http.ServerResponse) => {
  switch (req.url) {
    case "/empty":
      return res.end()
    case "/json":
      return res.end('{"a":[1,2]}')
    case "/bad-json":
      return res.end("{nope")
    case "/cookies":
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2"])
      res.setHeader("x-other", "yes")
      return res.end("c")
    case "/plain":
      res.setHeader("x-other", "yes")
      return res.end("p")
    case "/ten":
      return res.end("0123456789")
    case "/ten-chunked":
      // No content-length: what arrives is all the limit can be checked on.
      res.write("01234")
      return res.end("56789")
  }
  res.statusCode = 404
  res.end()
}

const get = (url: string) => HttpClient.get(url)

/**
 * A server on a socket file in a fresh directory, both gone with the scope:
 * the one way to reach an origin whose URL names no port.
 */
const onSocketFile = (server: http.Server) =>
  Effect.acquireRelease(
    Effect.async<string>((resume) => {
      const dir = mkdtempSync(join(tmpdir(), "effect-requests-response-"))
      const path = join(dir, "origin.sock")
      server.listen(path, () => resume(Effect.succeed(path)))
    }),
    (path) =>
      Effect.async<void>((resume) => {
        server.close(() => {
          rmSync(dirname(path), { recursive: true, force: true })
          resume(Effect.void)
        })
        server.closeAllConnections()
      })
  )

/** Declares 100 bytes, sends 20 and holds the rest. */
const declaresHundred = (_: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, { "content-length": "100" })
  res.write("x".repeat(20))
}

describe("ClientResponse", () => {
  it.scoped("json: an empty body is null, a malformed one a Decode error naming the parse failure", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      expect(yield* Effect.flatMap(get(`${server.url}/empty`), (r) => r.json)).toBeNull()
      expect(yield* Effect.flatMap(get(`${server.url}/json`), (r) => r.json)).toEqual({ a: [1, 2] })
      const error = yield* Effect.flip(Effect.flatMap(get(`${server.url}/bad-json`), (r) => r.json))
      expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
      expect(error.cause).toBeInstanceOf(SyntaxError)
      expect(error.description).toBe((error.cause as SyntaxError).message)
    }).pipe(Effect.provide(client))
  )

  it.scoped("headers join set-cookie values with a comma, and cookies hold each; without them, none", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const withCookies = yield* get(`${server.url}/cookies`)
      expect(withCookies.headers["set-cookie"]).toBe("a=1; Path=/, b=2")
      expect(withCookies.headers["x-other"]).toBe("yes")
      expect(Object.keys(withCookies.cookies.cookies).sort()).toEqual(["a", "b"])
      const plain = yield* get(`${server.url}/plain`)
      expect(plain.headers["set-cookie"]).toBeUndefined()
      expect(plain.headers["x-other"]).toBe("yes")
      expect(Object.keys(plain.cookies.cookies)).toEqual([])
      expect(plain.remoteAddress).toEqual(expect.objectContaining({ _tag: "Some", value: "127.0.0.1" }))
    }).pipe(Effect.provide(client))
  )

  it.scoped("arrayBuffer holds exactly the body, not the socket read it arrived in", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const buffer = yield* Effect.flatMap(get(`${server.url}/ten`), (r) => r.arrayBuffer)
      expect(buffer.byteLength).toBe(10)
      expect(new TextDecoder().decode(buffer)).toBe("0123456789")
    }).pipe(Effect.provide(client))
  )

  it.scoped("a body read once is kept: text, then stream and arrayBuffer give it again", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const response = yield* get(`${server.url}/ten-chunked`)
      expect(yield* response.text).toBe("0123456789")
      const streamed = yield* Stream.runCollect(response.stream)
      expect(Chunk.toReadonlyArray(streamed).map((c) => new TextDecoder().decode(c))).toEqual(["0123456789"])
      expect(new TextDecoder().decode(yield* response.arrayBuffer)).toBe("0123456789")
    }).pipe(Effect.provide(client))
  )

  it.scoped("maxBodySize: a body of exactly the limit is read, declared or not; one byte less fails", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const text = (path: string, limit: number) =>
        Limits.withMaxBodySize(
          Effect.flatMap(get(`${server.url}${path}`), (r) => r.text),
          limit
        )
      expect(yield* text("/ten", 10)).toBe("0123456789")
      expect(yield* text("/ten-chunked", 10)).toBe("0123456789")
      for (const path of ["/ten", "/ten-chunked"]) {
        const error = yield* Effect.flip(text(path, 9))
        expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
        expect(error.cause).toMatchObject({
          _tag: "LimitExceededError",
          endpoint: server.url,
          protocol: "http/1.1",
          phase: "body",
          limit: "maxBodySize",
          value: 9
        })
      }
    }).pipe(Effect.provide(client))
  )

  it.scoped("maxBodySize on a body that arrived with its head: the error says what was received", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const response = yield* get(`${server.url}/ten`)
      // The head and the ten bytes come in one packet: by now the body is all there.
      const error = yield* Effect.flip(Limits.withMaxBodySize(response.text, 4))
      expect(error.cause).toMatchObject({ _tag: "LimitExceededError", value: 4 })
      expect(["10 bytes received", "content-length is 10"]).toContain(
        (error.cause as { detail: string }).detail
      )
    }).pipe(Effect.provide(client))
  )

  it.scoped("toJSON names the request and the status", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const response = yield* get(`${server.url}/plain`)
      expect(response.toJSON()).toMatchObject({
        _id: "@effect/platform/HttpClientResponse",
        status: 200,
        request: { url: `${server.url}/plain` }
      })
    }).pipe(Effect.provide(client))
  )

  it.scoped("arrayBuffer copies out a body that is only the start of the socket read it arrived in", () =>
    Effect.gen(function* () {
      const go = yield* Deferred.make<void>()
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\na\r\n")
          yield* Deferred.await(go)
          // A read of its own: the chunk's data at its start, the framing after it.
          yield* conn.write("0123456789\r\n0\r\n\r\n")
          yield* Effect.never
        })
      )
      const response = yield* get(`${server.url}/`)
      yield* Deferred.succeed(go, undefined)
      const buffer = yield* response.arrayBuffer
      expect(new TextDecoder().decode(buffer)).toBe("0123456789")
      expect(buffer.byteLength).toBe(10)
    }).pipe(Effect.provide(client))
  )

  it.scoped("arrayBuffer hands over a body that fills its own memory as is, without a copy", () =>
    Effect.gen(function* () {
      const half = "x".repeat(3000)
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          // Two chunks, joined into one buffer of their own.
          yield* conn.write(
            `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nbb8\r\n${half}\r\nbb8\r\n${half}\r\n0\r\n\r\n`
          )
          yield* Effect.never
        })
      )
      const response = yield* get(`${server.url}/`)
      const first = yield* response.arrayBuffer
      expect(first.byteLength).toBe(6000)
      expect(yield* response.arrayBuffer).toBe(first)
    }).pipe(Effect.provide(client))
  )

  it.scoped("maxBodySize: a declared content-length over the limit fails before the body is read", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write(`HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n${"x".repeat(20)}`)
          yield* conn.closed
        })
      )
      const response = yield* get(`${server.url}/`)
      const error = yield* Effect.flip(Limits.withMaxBodySize(response.text, 10))
      expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
      expect(error.cause).toMatchObject({
        _tag: "LimitExceededError",
        endpoint: server.url,
        limit: "maxBodySize",
        value: 10,
        detail: "content-length is 100"
      })
      // The rest of the body is never read: the connection is given up.
      yield* server.awaitClosedConnections(1)
      // Scoped inside the client: a response left open must not hold up the client's close.
    }).pipe(Effect.scoped, Effect.provide(client))
  )

  it.scoped("maxBodySize: a declared content-length of exactly the limit is read as it arrives", () =>
    Effect.gen(function* () {
      const go = yield* Deferred.make<void>()
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234")
          yield* Deferred.await(go)
          yield* conn.write("56789")
          yield* conn.closed
        })
      )
      const response = yield* get(`${server.url}/`)
      // The rest can only come in a later socket read, after text has checked the declared length.
      yield* Deferred.succeed(go, undefined)
      expect(yield* Limits.withMaxBodySize(response.text, 10)).toBe("0123456789")
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "the limit error names an origin without a port by its scheme's default: 80 for http, 443 for https",
    () =>
      Effect.gen(function* () {
        const plain = yield* onSocketFile(http.createServer(declaresHundred))
        const secure = yield* onSocketFile(https.createServer({ ...TestCerts.leaf }, declaresHundred))
        const layer = Requests.layer({
          unixSockets: { "http://localhost": plain, "https://localhost": secure },
          tls: { ca: TestCerts.ca },
          proxy: false
        })
        const endpointOf = (url: string) =>
          Effect.flip(
            Limits.withMaxBodySize(
              Effect.flatMap(get(url), (r) => r.text),
              10
            )
          ).pipe(
            Effect.map((error) => error.cause),
            Effect.provide(layer)
          )
        expect(yield* endpointOf("http://localhost/")).toMatchObject({
          _tag: "LimitExceededError",
          endpoint: "http://localhost:80",
          detail: "content-length is 100"
        })
        expect(yield* endpointOf("https://localhost/")).toMatchObject({
          _tag: "LimitExceededError",
          endpoint: "https://localhost:443",
          detail: "content-length is 100"
        })
      })
  )

  it.scoped("a stream its consumer stops early gives the connection up", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write(`HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n${"x".repeat(1000)}`)
          yield* conn.closed
        })
      )
      const response = yield* get(`${server.url}/`)
      const first = yield* Stream.runCollect(Stream.take(response.stream, 1))
      expect(Chunk.size(first)).toBe(1)
      // The rest of the body will not be read: the connection cannot carry another request.
      yield* server.awaitClosedConnections(1)
      // Scoped inside the client: a response left open must not hold up the client's close.
    }).pipe(Effect.scoped, Effect.provide(client))
  )

  // Live: were the connection never given up, the client's close would wait out a closeTimeout that a TestClock never reaches.
  it.scopedLive("a response dropped with its body unread gives the connection up once it is collected", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write(`HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n${"x".repeat(1000)}`)
          yield* conn.closed
        })
      )
      // Without a scope to close, only the collector can tell that nobody will read the body.
      yield* get(`${server.url}/`).pipe(
        Effect.asVoid,
        Effect.mapInputContext(Context.omit(Scope.Scope)<HttpClient.HttpClient | Scope.Scope>)
      )
      // Finalizers run in a task of their own after a collection: collect until the connection closes.
      const collect = Effect.zipRight(Effect.sync(collectGarbage), eventLoopTurn)
      yield* Effect.raceFirst(server.awaitClosedConnections(1), Effect.forever(collect))
    }).pipe(Effect.provide(client))
  )
})
