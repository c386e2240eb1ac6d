/**
 * HTTP/1.1 faults the soak found, each reduced to a deterministic case.
 */
import * as net from "node:net"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer } from "@effect-requests/testing"
import { Deferred, Effect, Exit, Fiber, Stream, TestClock } from "effect"
import * as Endpoint from "../../../src/Endpoint.js"
import type { RequestsError } from "../../../src/Errors.js"
import type { ExchangeResponse } from "../../../src/internal/exchange/exchange.js"
import { type ConnectionOwner, H1Connection } from "../../../src/internal/h1/connection.js"
import { resolveH1Options } from "../../../src/internal/h1/options.js"
import type { PendingResponse } from "../../../src/internal/h1/pending-response.js"

const get = (url: string, id: string) =>
  HttpClient.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("x-request-id", id))).pipe(
    Effect.flatMap((r) => r.text)
  )

const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)

describe("HTTP/1.1 faults", () => {
  it.scoped(
    "a request re-sent after a stale connection is not starved by requests queued behind a full pool",
    () =>
      Effect.gen(function* () {
        const heldArrived = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const staleArrived = yield* Deferred.make<void>()
        const closeNow = yield* Deferred.make<void>()
        const processed = new Map<string, number>()
        let dropped = false
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            for (;;) {
              const request = yield* conn.readRequest
              const id = request.headers["x-request-id"] ?? ""
              // The first try of "b" meets a connection the server is closing: dropped unprocessed.
              if (id === "b" && !dropped) {
                dropped = true
                yield* Deferred.succeed(staleArrived, undefined)
                yield* Deferred.await(closeNow)
                return yield* conn.destroy
              }
              processed.set(id, (processed.get(id) ?? 0) + 1)
              if (id === "held") {
                yield* Deferred.succeed(heldArrived, undefined)
                yield* Deferred.await(release)
              }
              yield* conn.write(RawServer.response(200, {}, id))
            }
          })
        )
        // One connection busy for the whole test, one idle after "a": the pool (of two) is full.
        const held = yield* Effect.fork(get(server.url, "held"))
        yield* Deferred.await(heldArrived)
        expect(yield* get(server.url, "a")).toBe("a")
        const stale = yield* Effect.fork(get(server.url, "b"))
        yield* Deferred.await(staleArrived)
        // A request queued behind the full pool, whose dial will compete with the retry's.
        const queued = yield* Effect.fork(get(server.url, "w"))
        while ((yield* stats).h1.waiting < 1) yield* Effect.yieldNow()
        yield* Deferred.succeed(closeNow, undefined)
        expect(yield* Fiber.join(queued)).toBe("w")
        // Time only matters to a request still waiting for a connection: none should be.
        yield* TestClock.adjust("2 seconds")
        const retried = yield* Effect.exit(Fiber.join(stale))
        yield* Deferred.succeed(release, undefined)
        expect(yield* Fiber.join(held)).toBe("held")
        expect(retried).toStrictEqual(Exit.succeed("b"))
        expect(Object.fromEntries(processed)).toEqual({ held: 1, a: 1, b: 1, w: 1 })
        expect((yield* stats).retries).toBe(1)
      }).pipe(
        Effect.provide(
          Requests.layer({
            h1: { maxConnectionsPerEndpoint: 2, acquireTimeout: "2 seconds", idleTimeout: "1 hour" }
          })
        )
      )
  )

  /** A connection over a socket of the test's own, with an owner that does nothing. */
  const connectionTo = (port: number) =>
    Effect.gen(function* () {
      const socket = yield* Effect.acquireRelease(
        Effect.async<net.Socket>((resume) => {
          const s = net.connect(port, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.destroy())
      )
      const owner: ConnectionOwner = { release: () => {}, closed: () => {}, pipelineRefused: () => {} }
      return new H1Connection(Endpoint.make("http", "127.0.0.1", port), socket, owner, resolveH1Options())
    })

  /**
   * A waiter was handed the connection; it closed, 'close' event and all,
   * before the waiter's fiber ran.
   */
  const closeUnderWaiter = (connection: H1Connection) =>
    Effect.async<void>((resume) => {
      connection.socket.once("close", () => setImmediate(() => resume(Effect.void)))
      connection.destroy()
    })

  const getHead = Buffer.from("GET /bytes/1 HTTP/1.1\r\nHost: x\r\n\r\n")

  const answer = (exchange: PendingResponse) =>
    Effect.async<ExchangeResponse, RequestsError>((resume) => exchange.listen(resume))

  it.scoped("a request written on a connection that already closed fails at once, typed", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const connection = yield* connectionTo(server.port)
      yield* closeUnderWaiter(connection)
      const failure = yield* Effect.flip(answer(connection.send(getHead, undefined, false, undefined)))
      expect(failure).toMatchObject({
        _tag: "ClosedError",
        protocol: "http/1.1",
        phase: "request",
        responseStarted: false,
        reused: false
      })
      expect(failure.message).toContain("before the request was written")
    })
  )

  it.scoped("a request written on a closed connection that had carried an exchange says it was reused", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const connection = yield* connectionTo(server.port)
      const response = yield* answer(connection.send(getHead, undefined, false, undefined))
      expect(Buffer.from(yield* response.body.readAll).toString()).toBe("a")
      yield* closeUnderWaiter(connection)
      const failure = yield* Effect.flip(answer(connection.send(getHead, undefined, false, undefined)))
      expect(failure).toMatchObject({ _tag: "ClosedError", phase: "request", reused: true })
    })
  )

  it.scoped("a streamed request on a connection that already closed fails at once, typed", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const connection = yield* connectionTo(server.port)
      yield* closeUnderWaiter(connection)
      const head = Buffer.from("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
      // An empty body: were the request written, the upload would end at once, unnoticed.
      const sent = yield* Effect.either(connection.sendStreaming(head, Stream.empty, undefined, undefined))
      expect(sent).toMatchObject({
        _tag: "Left",
        left: { _tag: "ClosedError", phase: "request", responseStarted: false, reused: false }
      })
    })
  )
})
