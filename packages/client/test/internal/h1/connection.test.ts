import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { memoryGrowth } from "../../helpers.js"

// The connection is under test: without the batteries, a fault is not retried on the TestClock.
const client = Requests.layer({ batteries: false })

/** The typed cause under the platform error. */
const causeOf = (error: unknown) =>
  error instanceof HttpClientError.RequestError || error instanceof HttpClientError.ResponseError
    ? (error.cause as { readonly _tag: string; readonly reason?: string; readonly phase?: string })
    : undefined

const malformed: ReadonlyArray<readonly [string, string, string]> = [
  ["bad status line", "HTTP/1.1 2OO OK\r\n\r\n", "InvalidStatusLine"],
  ["unsupported version", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", "InvalidVersion"],
  ["CR inside a header value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n", "BareCR"],
  ["obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", "ObsFold"],
  [
    "conflicting Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "ConflictingContentLength"
  ],
  ["negative chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "InvalidChunkSize"],
  [
    "huge chunk size",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
    "ChunkTooLarge"
  ],
  [
    "header section over the limit",
    `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`,
    "HeaderTooLarge"
  ]
]

describe("HTTP/1.1 connection faults", () => {
  for (const [name, bytes, reason] of malformed) {
    it.scoped(`${name} fails with ProtocolError ${reason} and closes the socket`, () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) =>
          Effect.zipRight(Effect.zipRight(conn.readRequest, conn.write(bytes)), conn.closed)
        )
        const error = yield* HttpClient.get(`${server.url}/`).pipe(
          Effect.flatMap((r) => r.text),
          Effect.flip
        )
        expect(causeOf(error)).toMatchObject({ _tag: "ProtocolError", reason })
        yield* server.awaitClosedConnections(1)
      }).pipe(Effect.provide(client))
    )
  }

  it.scoped("a truncated chunked body fails with ClosedError in the body phase", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
          yield* conn.end
        })
      )
      const error = yield* HttpClient.get(`${server.url}/`).pipe(
        Effect.flatMap((r) => r.text),
        Effect.flip
      )
      expect(error._tag).toBe("ResponseError")
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "body" })
    }).pipe(Effect.provide(client))
  )

  it.scoped("a server that closes mid-body gives a typed error", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const error = yield* HttpClient.get(`${server.url}/hang-body/100000`).pipe(
        Effect.flatMap((r) => r.arrayBuffer),
        Effect.flip
      )
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "body" })
    }).pipe(Effect.provide(client))
  )

  it.scoped("a server that closes before answering gives ClosedError before any response byte", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) => Effect.zipRight(conn.readRequest, conn.destroy))
      const error = yield* Effect.flip(HttpClient.get(`${server.url}/`))
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "headers", responseStarted: false })
    }).pipe(Effect.provide(client))
  )

  it.scoped("interrupting a request mid-body closes the socket", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const firstChunk = yield* Deferred.make<void>()
      const fiber = yield* HttpClient.get(`${server.url}/stream/${64 * 1024 * 1024}`).pipe(
        Effect.flatMap((r) =>
          Stream.runDrain(Stream.tap(r.stream, () => Deferred.succeed(firstChunk, undefined)))
        ),
        Effect.fork
      )
      yield* Deferred.await(firstChunk)
      yield* Fiber.interrupt(fiber)
      yield* server.awaitClosedConnections(1)
      expect(server.stats.openConnections).toBe(0)
    }).pipe(Effect.provide(client))
  )

  it.scoped("interrupting a request before its head arrives closes the socket", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const fiber = yield* Effect.fork(HttpClient.get(`${server.url}/delay-headers`))
      yield* server.awaitRequests(1)
      yield* Fiber.interrupt(fiber)
      yield* server.awaitClosedConnections(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("a response left unread in a closed scope does not go back to the pool", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      yield* Effect.scoped(HttpClient.get(`${server.url}/stream/${16 * 1024 * 1024}`))
      yield* server.awaitClosedConnections(1)
      const again = yield* HttpClient.get(`${server.url}/bytes/10`)
      expect(yield* again.text).toHaveLength(10)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(client))
  )

  it.scoped("header injection is refused before a byte is sent", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const attempts = [
        HttpClientRequest.get(`${server.url}/`).pipe(
          HttpClientRequest.setHeader("x-a", "v\r\nx-injected: 1")
        ),
        HttpClientRequest.get(`${server.url}/`).pipe(HttpClientRequest.setHeader("x-a", "v\nx")),
        HttpClientRequest.get(`${server.url}/`).pipe(HttpClientRequest.setHeader("x-a", "v\u0000")),
        HttpClientRequest.get(`${server.url}/`).pipe(HttpClientRequest.setHeader("x-a\r\nx-b", "v")),
        HttpClientRequest.make("GET / HTTP/1.1\r\n" as "GET")(`${server.url}/`)
      ]
      for (const request of attempts) {
        const error = yield* Effect.flip(HttpClient.execute(request))
        expect(error).toMatchObject({ _tag: "RequestError", reason: "Encode" })
        expect(causeOf(error)?._tag).toBe("InvalidRequestError")
      }
      expect(server.stats.connectionsOpened).toBe(0)
    }).pipe(Effect.provide(client))
  )
})

describe("HTTP/1.1 large bodies", () => {
  const MiB = 1024 * 1024

  it.scoped("streams a 100 MiB upload and a 100 MiB download in bounded memory", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const chunk = new Uint8Array(MiB).fill(97)
      const { sample, peakGrowth } = memoryGrowth()
      const upload = Stream.repeatValue(chunk).pipe(
        Stream.take(100),
        Stream.tap(() => sample)
      )
      const uploaded = yield* HttpClient.execute(
        HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyStream(upload))
      ).pipe(Effect.flatMap((r) => r.json))
      expect(uploaded).toMatchObject({ bytes: 100 * MiB })
      const downloaded = yield* HttpClient.get(`${server.url}/stream/${100 * MiB}`).pipe(
        Effect.flatMap((r) =>
          Stream.runFold(
            Stream.tap(r.stream, () => sample),
            0,
            (n, c) => n + c.byteLength
          )
        )
      )
      expect(downloaded).toBe(100 * MiB)
      expect(peakGrowth()).toBeLessThan(64 * MiB)
    }).pipe(Effect.provide(client))
  )
})
