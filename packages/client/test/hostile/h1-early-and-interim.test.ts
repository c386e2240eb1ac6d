/**
 * HTTP/1.1 servers that answer before the request is sent, or that never
 * stop sending interim responses, or that switch protocols unasked.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, Stream } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, h2Server, withClient } from "./support.js"

const MiB = 1024 * 1024

const get = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/**
 * The first connection answers its request's head with 413 and then reads
 * nothing more, keeping the socket open until `done`; every later
 * connection serves.
 */
const earlyServer = (done: Deferred.Deferred<void>) =>
  RawServer.make((conn, index) =>
    Effect.gen(function* () {
      if (index === 0) {
        yield* conn.readUntil()
        yield* conn.write(RawServer.response(413, {}, "too large"))
        // Reads nothing more: a pending upload fills the socket buffers, and a FIN would never be seen.
        return yield* Deferred.await(done)
      }
      for (;;) {
        const request = yield* conn.readRequest
        yield* conn.write(RawServer.response(200, {}, `${request.method} ${request.path}`))
      }
    })
  )

describe("HTTP/1.1 early responses", () => {
  it.scoped(
    "a 413 to a 50 MiB in-memory upload: the connection is not reused, the next GET succeeds",
    () =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<void>()
        const server = yield* earlyServer(done)
        yield* withClient(
          {},
          Effect.gen(function* () {
            const upload = HttpClientRequest.post(`${server.url}/upload`).pipe(
              HttpClientRequest.bodyUint8Array(new Uint8Array(50 * MiB))
            )
            const response = yield* HttpClient.execute(upload)
            expect(response.status).toBe(413)
            expect(yield* response.text).toBe("too large")
            expect(yield* get(`${server.url}/next`)).toBe("GET /next")
            expect(server.connectionsOpened).toBe(2)
            yield* Deferred.succeed(done, undefined)
          })
        )
      }),
    // A 50 MiB upload.
    60_000
  )

  it.scoped("a 413 to a streamed upload: the upload stops, the next GET succeeds on another connection", () =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<void>()
      const server = yield* earlyServer(done)
      yield* withClient(
        {},
        Effect.gen(function* () {
          const chunk = new Uint8Array(MiB)
          const upload = HttpClientRequest.post(`${server.url}/upload`).pipe(
            HttpClientRequest.bodyStream(Stream.repeatValue(chunk).pipe(Stream.take(50)))
          )
          const response = yield* HttpClient.execute(upload)
          expect(response.status).toBe(413)
          expect(yield* get(`${server.url}/next`)).toBe("GET /next")
          expect(server.connectionsOpened).toBe(2)
          yield* Deferred.succeed(done, undefined)
        })
      )
    })
  )
  it.scoped(
    "a 413 while the streamed upload waits for its next chunk reaches the caller, and the upload stops",
    () =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<void>()
        const server = yield* earlyServer(done)
        const pulledAfterAnswer = yield* Deferred.make<void>()
        yield* withClient(
          {},
          Effect.gen(function* () {
            // One chunk, then a body that never goes on: only the answer can end the wait.
            const body = Stream.concat(
              Stream.make(new Uint8Array(1024)),
              Stream.fromEffect(Effect.zipRight(Deferred.succeed(pulledAfterAnswer, undefined), Effect.never))
            )
            const upload = HttpClientRequest.post(`${server.url}/upload`).pipe(
              HttpClientRequest.bodyStream(body)
            )
            const response = yield* Wait.within(HttpClient.execute(upload), {
              helper: "execute",
              unit: "response head",
              target: 1,
              seen: () => 0
            })
            expect(response.status).toBe(413)
            expect(yield* response.text).toBe("too large")
            expect(yield* get(`${server.url}/next`)).toBe("GET /next")
            expect(server.connectionsOpened).toBe(2)
            yield* Deferred.succeed(done, undefined)
          })
        )
        // The body was being pulled when the answer came; the pull was then interrupted, not left running.
        expect(yield* Deferred.isDone(pulledAfterAnswer)).toBe(true)
      })
  )
})

/** Answers every request with `interim` repeated `times` (forever when `Infinity`), then 200. */
const interimServer = (interim: string, times: number) =>
  RawServer.make((conn) =>
    Effect.gen(function* () {
      for (;;) {
        const request = yield* conn.readRequest
        if (request.path === "/flood") {
          for (let i = 0; i < times && !conn.socket.destroyed; i++) yield* conn.write(interim)
          if (conn.socket.destroyed) return
        }
        yield* conn.write(RawServer.response(200, {}, "ok"))
      }
    })
  )

const hints = "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"

describe("interim responses", () => {
  it.scoped("HTTP/1.1: endless 103s fail with maxInterimResponses; the pool goes on", () =>
    Effect.gen(function* () {
      const server = yield* interimServer(hints, Infinity)
      yield* withClient(
        {},
        Effect.gen(function* () {
          const error = causeOf(yield* Effect.flip(get(`${server.url}/flood`))) as RequestsError
          expect(error).toMatchObject({
            _tag: "LimitExceededError",
            limit: "maxInterimResponses",
            value: 16,
            phase: "headers"
          })
          expect(yield* get(`${server.url}/next`)).toBe("ok")
        })
      )
    })
  )

  it.scoped("HTTP/1.1: a few interim responses are fine, and their heads count against maxHeaderBytes", () =>
    Effect.gen(function* () {
      const server = yield* interimServer(`HTTP/1.1 103 Early Hints\r\nlink: ${"x".repeat(1000)}\r\n\r\n`, 5)
      yield* withClient(
        { h1: { maxHeaderBytes: 4096 } },
        Effect.gen(function* () {
          const error = causeOf(yield* Effect.flip(get(`${server.url}/flood`))) as RequestsError
          expect(error).toMatchObject({ _tag: "ProtocolError", reason: "HeaderTooLarge" })
          expect(yield* get(`${server.url}/next`)).toBe("ok")
        })
      )
      const fine = yield* interimServer(hints, 3)
      yield* withClient(
        {},
        Effect.map(get(`${fine.url}/flood`), (body) => expect(body).toBe("ok"))
      )
    })
  )

  it.scoped("HTTP/1.1: an unsolicited 101 is a ProtocolError", () =>
    Effect.gen(function* () {
      const server = yield* interimServer("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n", 1)
      yield* withClient(
        {},
        Effect.gen(function* () {
          const error = causeOf(yield* Effect.flip(get(`${server.url}/flood`))) as RequestsError
          expect(error).toMatchObject({
            _tag: "ProtocolError",
            reason: "UnsolicitedUpgrade",
            phase: "headers",
            detail: expect.stringContaining("101")
          })
          expect(yield* get(`${server.url}/next`)).toBe("ok")
        })
      )
    })
  )

  it.scoped("HTTP/2: endless 103s fail with maxInterimResponses; the connection goes on", () =>
    Effect.gen(function* () {
      const server = yield* h2Server((stream, headers) => {
        if (headers[":path"] !== "/flood") {
          stream.respond({ ":status": 200 })
          return void stream.end("ok")
        }
        const flood = () => {
          for (let i = 0; i < 64 && !stream.closed && !stream.destroyed; i++) {
            stream.additionalHeaders({ ":status": 103, link: "</style.css>; rel=preload" })
          }
          if (!stream.closed && !stream.destroyed) setImmediate(flood)
        }
        flood()
      })
      yield* withClient(
        { protocol: "h2c" },
        Effect.gen(function* () {
          const error = causeOf(yield* Effect.flip(get(`${server.url}/flood`))) as RequestsError
          expect(error).toMatchObject({
            _tag: "LimitExceededError",
            protocol: "h2",
            limit: "maxInterimResponses",
            phase: "headers"
          })
          expect(yield* get(`${server.url}/next`)).toBe("ok")
          expect(server.sockets).toHaveLength(1)
        })
      )
    })
  )
})
