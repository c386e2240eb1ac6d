import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Http2TestServer, Wait } from "@effect-requests/testing"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as http2 from "node:http2"

const client = Requests.layer({ protocol: "h2c" })

/** Answers every request chunk as soon as it arrives, before the request ends. */
const echo = (stream: http2.ServerHttp2Stream): void => {
  stream.respond({ ":status": 200 })
  stream.on("data", (chunk: Buffer) => stream.write(chunk))
  stream.on("end", () => stream.end())
}

const NO_ERROR = 0
const CANCEL = 8

/** A request body of one KiB, then a source that never produces again; `stopped` completes once its writer stops. */
const openEndedBody = (stopped: Deferred.Deferred<void>) =>
  Stream.concat(Stream.make(new Uint8Array(1024)), Stream.never).pipe(
    Stream.ensuring(Deferred.succeed(stopped, undefined))
  )

/** `effect`, or a `WaitTimeout` naming what never came once the wait's bound passed in real time. */
const awaitOne = <A, E>(effect: Effect.Effect<A, E>, unit: string) =>
  Wait.within(effect, { helper: "awaitOne", unit, target: 1, seen: () => 0 })

describe("HTTP/2 full duplex through HttpClient", () => {
  it.scoped("1,000 round trips over one stream: each chunk is echoed before the next is sent", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: false, handler: echo })
      const outgoing = yield* Queue.unbounded<Uint8Array>()
      const body = Stream.fromQueue(outgoing, { shutdown: true })
      const response = yield* HttpClient.execute(
        HttpClientRequest.post(`${server.url}/echo`).pipe(HttpClientRequest.bodyStream(body))
      )
      // The head came back while the request body is still open.
      expect(response.status).toBe(200)
      const pull = yield* Stream.toPull(response.stream)
      const encoder = new TextEncoder()
      const decoder = new TextDecoder()
      for (let i = 0; i < 1000; i++) {
        const message = `message ${i};`
        yield* Queue.offer(outgoing, encoder.encode(message))
        let received = ""
        while (received.length < message.length) {
          for (const chunk of yield* pull) received += decoder.decode(chunk)
        }
        expect(received).toBe(message)
      }
      yield* Queue.shutdown(outgoing)
      const rest = yield* Effect.either(pull)
      expect(Either.isLeft(rest) && rest.left._tag === "None").toBe(true)
      expect(server.stats.requests).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("closing the response's scope cancels the stream and stops the body writer", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: false, handler: echo })
      const writerStopped = yield* Deferred.make<void>()
      const body = openEndedBody(writerStopped)
      const scope = yield* Scope.make()
      const response = yield* HttpClient.execute(
        HttpClientRequest.post(`${server.url}/echo`).pipe(HttpClientRequest.bodyStream(body))
      ).pipe(Scope.extend(scope))
      expect(response.status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      yield* Deferred.await(writerStopped)
      yield* server.awaitStreamsClosed(1)
      expect(server.streams[0]?.rstCode).toBe(CANCEL)
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "a response that ends while the request body is still open: reading it to its end cancels the stream and stops the writer",
    () =>
      Effect.gen(function* () {
        // Answers once the request's first chunk is in, without waiting for the rest.
        const server = yield* Http2TestServer.make({
          tls: false,
          handler: (stream) => {
            stream.once("data", () => {
              stream.respond({ ":status": 200 })
              stream.end("done")
            })
          }
        })
        const writerStopped = yield* Deferred.make<void>()
        const body = openEndedBody(writerStopped)
        const response = yield* HttpClient.execute(
          HttpClientRequest.post(`${server.url}/early`).pipe(HttpClientRequest.bodyStream(body))
        )
        const chunks = yield* Stream.runCollect(Stream.decodeText(response.stream))
        expect(Chunk.join(chunks, "")).toBe("done")
        yield* server.awaitStreamsClosed(1)
        expect(server.streams[0]?.rstCode).toBe(CANCEL)
        yield* Deferred.await(writerStopped)
      }).pipe(Effect.provide(client))
  )

  it.scoped.each(["own", "node"] as const)(
    "%s engine: a server that answers in full, then asks with RST_STREAM(NO_ERROR) for no more of the request: the writer stops",
    (engine) =>
      Effect.gen(function* () {
        // RFC 9113 §8.1: a complete response, then a reset without error that stops the upload.
        const server = yield* Http2TestServer.make({
          tls: false,
          handler: (stream) => {
            stream.once("data", () => {
              stream.respond({ ":status": 200 })
              stream.end("done", () => stream.close(NO_ERROR))
            })
          }
        })
        const writerStopped = yield* Deferred.make<void>()
        const body = openEndedBody(writerStopped)
        const response = yield* HttpClient.execute(
          HttpClientRequest.post(`${server.url}/early`).pipe(HttpClientRequest.bodyStream(body))
        )
        expect(yield* response.text).toBe("done")
        yield* server.awaitStreamsClosed(1)
        expect(server.streams[0]?.rstCode).toBe(NO_ERROR)
        // The source would never produce again: the writer waiting on it is stopped, not left behind.
        yield* awaitOne(Deferred.await(writerStopped), "stopped writer")
      }).pipe(Effect.provide(Requests.layer({ protocol: "h2c", h2: { engine } })))
  )

  it.scoped(
    "a request body interrupted at its source fails the response read as cancelled by the client",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ tls: false, handler: echo })
        const interruptNow = yield* Deferred.make<void>()
        const body = Stream.concat(
          Stream.make(new Uint8Array(16)),
          Stream.fromEffect(Effect.zipRight(Deferred.await(interruptNow), Effect.interrupt))
        )
        const response = yield* HttpClient.execute(
          HttpClientRequest.post(`${server.url}/echo`).pipe(HttpClientRequest.bodyStream(body))
        )
        expect(response.status).toBe(200)
        yield* Deferred.succeed(interruptNow, undefined)
        const read = yield* awaitOne(Effect.flip(response.arrayBuffer), "failed read")
        expect(read.cause).toMatchObject({
          _tag: "ClosedError",
          protocol: "h2",
          phase: "request",
          responseStarted: true,
          cause: new Error("stream cancelled by the client")
        })
        yield* server.awaitStreamsClosed(1)
        expect(server.streams[0]?.rstCode).toBe(CANCEL)
      }).pipe(Effect.provide(client))
  )

  it.scoped("a failing request body fails the response read and resets the stream", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: false, handler: echo })
      const failNow = yield* Deferred.make<void>()
      const body = Stream.concat(
        Stream.make(new Uint8Array(16)),
        Stream.fromEffect(Effect.zipRight(Deferred.await(failNow), Effect.fail("broken source")))
      )
      const response = yield* HttpClient.execute(
        HttpClientRequest.post(`${server.url}/echo`).pipe(HttpClientRequest.bodyStream(body))
      )
      expect(response.status).toBe(200)
      yield* Deferred.succeed(failNow, undefined)
      const read = yield* Effect.either(response.arrayBuffer)
      expect(Either.isLeft(read)).toBe(true)
      if (Either.isLeft(read)) expect(String(read.left.cause)).toContain("RequestBodyError")
      yield* server.awaitStreamsClosed(1)
      expect(server.streams[0]?.rstCode).toBe(CANCEL)
    }).pipe(Effect.provide(client))
  )
})
