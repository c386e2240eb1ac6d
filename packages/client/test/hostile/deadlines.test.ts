/**
 * Servers that go quiet once the connection is up: a head that never
 * ends, a body that stops, an HTTP/1.0 body read to a close that never
 * comes, an upload the server never reads. Every deadline runs on the
 * TestClock; the pool serves the next request afterwards.
 */
import type * as http2 from "node:http2"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Stream, TestClock } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import * as Timeouts from "../../src/Timeouts.js"
import { awaitTimer } from "../helpers.js"
import { causeOf, h2Server, withClient } from "./support.js"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/** One turn of the event loop, for socket callbacks pending now. */
const turn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Moves the TestClock on by `total` ms in `step`s, letting sockets and fibers react in between. */
const advance = (total: number, step: number) =>
  Effect.gen(function* () {
    for (let t = 0; t < total; t += step) {
      yield* TestClock.adjust(step)
      yield* turn
    }
  })

/** Runs `request` until the server has it, then moves time on until it fails; returns its cause. */
const stalled = (
  request: Effect.Effect<unknown, unknown, HttpClient.HttpClient>,
  arrived: Deferred.Deferred<void>,
  millis: number
) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.flip(request))
    yield* Deferred.await(arrived)
    while (fiber.unsafePoll() === null) yield* advance(millis, Math.max(100, millis / 8))
    return causeOf(yield* Fiber.join(fiber)) as RequestsError
  })

/** An HTTP/1.1 server: `/stall` gets `partial` and then silence until the client leaves; the rest "ok". */
const quietServer = (partial: string, arrived: Deferred.Deferred<void>) =>
  RawServer.make((conn) =>
    Effect.gen(function* () {
      for (;;) {
        const request = yield* conn.readRequest
        if (request.path === "/stall") {
          if (partial !== "") yield* conn.write(partial)
          yield* Deferred.succeed(arrived, undefined)
          return yield* conn.closed
        }
        yield* conn.write(RawServer.response(200, {}, "ok"))
      }
    })
  )

const h1Cases: ReadonlyArray<readonly [string, string, string]> = [
  ["a head that never ends", "HTTP/1.1 200 OK\r\nx-slow: ", "headers"],
  ["a body that stops after 7 of 100 bytes", "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\naaaaaaa", "body"],
  ["an HTTP/1.0 body read to a close that never comes", "HTTP/1.0 200 OK\r\n\r\naaaaaaa", "body"]
]

describe("deadlines once connected", () => {
  for (const [name, partial, phase] of h1Cases) {
    it.scoped(`HTTP/1.1: ${name} fails with a TimeoutError in phase ${phase}`, () =>
      Effect.gen(function* () {
        const arrived = yield* Deferred.make<void>()
        const server = yield* quietServer(partial, arrived)
        yield* withClient(
          { h1: { headersTimeout: "20 seconds", bodyTimeout: "10 seconds" } },
          Effect.gen(function* () {
            const error = yield* stalled(text(`${server.url}/stall`), arrived, 5_000)
            expect(error).toMatchObject({
              _tag: "TimeoutError",
              phase,
              protocol: "http/1.1",
              timeoutMillis: phase === "headers" ? 20_000 : 10_000
            })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
      })
    )
  }

  it.scoped(
    "HTTP/1.1: on a reused connection, headersTimeout counts from the request, not from the pool's last look",
    () =>
      Effect.gen(function* () {
        const arrived = yield* Deferred.make<void>()
        const server = yield* quietServer("", arrived)
        yield* withClient(
          { h1: { headersTimeout: "1 second", bodyTimeout: "1 second" } },
          Effect.gen(function* () {
            expect(yield* text(`${server.url}/first`)).toBe("ok")
            // The pool looks at its connections every 250 ms: last at 250, and the request goes at 450.
            yield* awaitTimer(250)
            yield* advance(250, 250)
            yield* advance(200, 200)
            const fiber = yield* Effect.fork(Effect.flip(text(`${server.url}/stall`)))
            yield* Deferred.await(arrived)
            yield* advance(950, 50)
            expect(fiber.unsafePoll()).toBeNull()
            yield* advance(100, 50)
            expect(causeOf(yield* Fiber.join(fiber))).toMatchObject({
              _tag: "TimeoutError",
              phase: "headers",
              timeoutMillis: 1_000
            })
          })
        )
      })
  )

  it.scoped("a whole-request timeout set per request fails in phase headers, then in phase body", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const server = yield* quietServer("", arrived)
      yield* withClient(
        {},
        Effect.gen(function* () {
          const head = yield* stalled(
            Timeouts.withTimeout(text(`${server.url}/stall`), "2 seconds"),
            arrived,
            500
          )
          expect(head).toMatchObject({ _tag: "TimeoutError", phase: "headers", timeoutMillis: 2_000 })
          expect(yield* Timeouts.withTimeout(text(`${server.url}/next`), "2 seconds")).toBe("ok")
        })
      )
      const bodyArrived = yield* Deferred.make<void>()
      const slowBody = yield* quietServer(
        "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\naaaaaaa",
        bodyArrived
      )
      yield* withClient(
        { timeout: "3 seconds" },
        Effect.gen(function* () {
          const body = yield* stalled(text(`${slowBody.url}/stall`), bodyArrived, 500)
          expect(body).toMatchObject({ _tag: "TimeoutError", phase: "body", timeoutMillis: 3_000 })
          expect(yield* text(`${slowBody.url}/next`)).toBe("ok")
        })
      )
    })
  )

  const h2Quiet =
    (arrived: Deferred.Deferred<void>) =>
    (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
      switch (headers[":path"]) {
        case "/silent":
          break
        case "/stall":
          stream.respond({ ":status": 200, "content-length": "100" })
          stream.write(Buffer.alloc(7, 97))
          break
        case "/upload":
          // Never read: the stream's window closes and the upload stops.
          stream.pause()
          break
        default:
          stream.respond({ ":status": 200 })
          stream.end("ok")
          return
      }
      Deferred.unsafeDone(arrived, Effect.void)
    }

  const h2Cases: ReadonlyArray<readonly [string, string, string]> = [
    ["a stream never answered", "/silent", "headers"],
    ["a body that stops after 7 of 100 bytes", "/stall", "body"],
    ["an upload stuck at a zero flow-control window", "/upload", "request"]
  ]

  for (const [name, path, phase] of h2Cases) {
    it.scoped(`HTTP/2: ${name} fails with a TimeoutError in phase ${phase}, the connection kept`, () =>
      Effect.gen(function* () {
        const arrived = yield* Deferred.make<void>()
        const server = yield* h2Server(h2Quiet(arrived))
        const request =
          path === "/upload"
            ? HttpClient.execute(
                HttpClientRequest.post(`${server.url}${path}`).pipe(
                  HttpClientRequest.bodyStream(
                    Stream.repeatValue(new Uint8Array(16 * 1024)).pipe(Stream.take(64))
                  )
                )
              )
            : text(`${server.url}${path}`)
        yield* withClient(
          { protocol: "h2c", h2: { headersTimeout: "20 seconds", bodyTimeout: "10 seconds" } },
          Effect.gen(function* () {
            const error = yield* stalled(request, arrived, 5_000)
            expect(error).toMatchObject({ _tag: "TimeoutError", phase, protocol: "h2" })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
            expect(server.sockets).toHaveLength(1)
          })
        )
      })
    )
  }
})
