/**
 * Whether an HTTP/1.1 connection carries the next request after each way an
 * exchange can end: a streamed upload, a body read as a stream, a body left
 * unread, an answer that comes while the upload still waits for its body.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Stream } from "effect"

const client = Requests.layer({ batteries: false })

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

describe("HTTP/1.1 connection reuse after an exchange", () => {
  it.scoped("a connection that carried a streamed upload carries the next request", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const body = Stream.make(new Uint8Array(1024), new Uint8Array(1024))
      const uploaded = yield* HttpClient.execute(
        HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyStream(body))
      ).pipe(Effect.flatMap((r) => r.json))
      expect(uploaded).toMatchObject({ bytes: 2048 })
      expect(yield* text(`${server.url}/bytes/3`)).toBe("abc")
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("a connection whose response body was read as a stream to its end carries the next request", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const chunks = yield* HttpClient.get(`${server.url}/bytes/100`).pipe(
        Effect.flatMap((r) => Stream.runCollect(r.stream))
      )
      expect([...chunks].reduce((n, chunk) => n + chunk.byteLength, 0)).toBe(100)
      expect(yield* text(`${server.url}/bytes/3`)).toBe("abc")
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "a response that arrived whole past highWaterMark and was never read leaves its connection reading",
    () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) =>
          Effect.forever(
            // Head and body in one write: they arrive together, and the body passes the mark at once.
            Effect.zipRight(conn.readRequest, conn.write(RawServer.response(200, {}, "x".repeat(100))))
          )
        )
        yield* Effect.scoped(HttpClient.get(server.url))
        // The connection paused reading for the unread body; the next response on it must still be read.
        const next = yield* Wait.within(text(server.url), {
          helper: "next response",
          unit: "response",
          target: 1,
          seen: () => 0
        })
        expect(next).toHaveLength(100)
        expect(server.connectionsOpened).toBe(1)
      }).pipe(Effect.provide(Requests.layer({ batteries: false, h1: { highWaterMark: 16 } })))
  )

  it.scoped(
    "an answer that comes while a streamed upload waits for its next chunk closes the connection",
    () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            yield* conn.readUntil()
            yield* conn.write(RawServer.response(413, {}, "too large"))
            // The socket stays open as long as the client keeps it.
            yield* conn.closed
          })
        )
        const more = yield* Deferred.make<void>()
        const body = Stream.concat(
          Stream.make(new Uint8Array(1024)),
          Stream.fromEffect(Effect.as(Deferred.await(more), new Uint8Array(1024)))
        )
        const upload = yield* Effect.fork(
          HttpClient.execute(HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyStream(body)))
        )
        // Nothing waits to be written, yet the body can no longer be framed: the client closes.
        yield* server.awaitClosedConnections(1)
        yield* Deferred.succeed(more, undefined)
        expect((yield* Fiber.join(upload)).status).toBe(413)
      }).pipe(Effect.provide(client))
  )
})
