/**
 * `headersTimeout`, `bodyTimeout` and `timeout` set per request with
 * `Timeouts`, around code that only knows the platform's `HttpClient`, over
 * both protocols. The pools keep their own deadlines; the request's replace
 * them, shorter or longer. Every deadline runs on the TestClock.
 */
import type * as http2 from "node:http2"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Stream, TestClock } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import * as Timeouts from "../../src/Timeouts.js"
import { causeOf, h2Server, withClient } from "./support.js"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/** One turn of the event loop, for socket callbacks pending now. */
const turn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

const STEP = 100

/**
 * Runs `request` until the server has it, then moves the TestClock on in
 * small steps until it fails, for at most `within` ms. Returns its cause and
 * how far the clock moved; a request still pending by then is `undefined`.
 */
const stalled = (
  request: Effect.Effect<unknown, unknown, HttpClient.HttpClient>,
  arrived: Deferred.Deferred<void>,
  within: number
) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.flip(request))
    yield* Deferred.await(arrived)
    let elapsed = 0
    while (fiber.unsafePoll() === null && elapsed < within) {
      yield* TestClock.adjust(STEP)
      yield* turn
      elapsed += STEP
    }
    if (fiber.unsafePoll() === null) {
      yield* Fiber.interrupt(fiber)
      return { error: undefined, elapsed }
    }
    return { error: causeOf(yield* Fiber.join(fiber)) as RequestsError, elapsed }
  })

/** HTTP/1.1: `/stall` gets `partial` and then silence until the client leaves; the rest "ok". */
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

/** HTTP/2: `/silent` is never answered, `/stall` stops after 7 of 100 bytes; the rest "ok". */
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
      default:
        stream.respond({ ":status": 200 })
        stream.end("ok")
        return
    }
    Deferred.unsafeDone(arrived, Effect.void)
  }

const slowBody = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\naaaaaaa"

describe("deadlines set per request", () => {
  it.scoped("HTTP/1.1: withHeadersTimeout shortens the pool's 300 s to 2 s for one request", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const server = yield* quietServer("", arrived)
      yield* withClient(
        {},
        Effect.gen(function* () {
          const { error, elapsed } = yield* stalled(
            Timeouts.withHeadersTimeout(text(`${server.url}/stall`), "2 seconds"),
            arrived,
            10_000
          )
          expect(error).toMatchObject({
            _tag: "TimeoutError",
            phase: "headers",
            protocol: "http/1.1",
            timeoutMillis: 2_000
          })
          // Found by the pool's housekeeping, whose round shrank to a quarter of the deadline.
          expect(elapsed).toBeGreaterThanOrEqual(2_000)
          expect(elapsed).toBeLessThanOrEqual(3_000)
          expect(yield* text(`${server.url}/next`)).toBe("ok")
        })
      )
    })
  )

  it.scoped("HTTP/1.1: withBodyTimeout bounds the wait between body chunks, read buffered or streamed", () =>
    Effect.gen(function* () {
      for (const read of ["text", "stream"] as const) {
        const arrived = yield* Deferred.make<void>()
        const server = yield* quietServer(slowBody, arrived)
        yield* withClient(
          {},
          Effect.gen(function* () {
            const get = HttpClient.get(`${server.url}/stall`).pipe(
              Effect.flatMap((r) => (read === "text" ? r.text : Stream.runDrain(r.stream)))
            )
            const { error, elapsed } = yield* stalled(
              Timeouts.withBodyTimeout(get, "1 second"),
              arrived,
              10_000
            )
            expect(error, read).toMatchObject({ _tag: "TimeoutError", phase: "body", timeoutMillis: 1_000 })
            expect(elapsed, read).toBeLessThanOrEqual(2_000)
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
      }
    })
  )

  it.scoped("HTTP/2: withHeadersTimeout lengthens the pool's 2 s to a minute for one request", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const server = yield* h2Server(h2Quiet(arrived))
      yield* withClient(
        { protocol: "h2c", h2: { headersTimeout: "2 seconds" } },
        Effect.gen(function* () {
          const patient = Timeouts.withHeadersTimeout(text(`${server.url}/silent`), "1 minute")
          const early = yield* stalled(patient, arrived, 20_000)
          expect(early.error).toBeUndefined()
          const late = yield* stalled(patient, arrived, 80_000)
          expect(late.error).toMatchObject({
            _tag: "TimeoutError",
            phase: "headers",
            protocol: "h2",
            timeoutMillis: 60_000
          })
          expect(late.elapsed).toBeGreaterThanOrEqual(60_000)
          expect(yield* text(`${server.url}/next`)).toBe("ok")
          expect(server.sockets).toHaveLength(1)
        })
      )
    })
  )

  it.scoped("HTTP/2: withBodyTimeout shortens the pool's 300 s to 1 s for one request", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const server = yield* h2Server(h2Quiet(arrived))
      yield* withClient(
        { protocol: "h2c" },
        Effect.gen(function* () {
          const { error, elapsed } = yield* stalled(
            Timeouts.withBodyTimeout(text(`${server.url}/stall`), "1 second"),
            arrived,
            10_000
          )
          expect(error).toMatchObject({
            _tag: "TimeoutError",
            phase: "body",
            protocol: "h2",
            timeoutMillis: 1_000
          })
          expect(elapsed).toBeLessThanOrEqual(2_000)
          expect(yield* text(`${server.url}/next`)).toBe("ok")
        })
      )
    })
  )

  it.scoped("the whole-request timeout covers a body read as a stream, and the settings combine", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const server = yield* quietServer(slowBody, arrived)
      yield* withClient(
        {},
        Effect.gen(function* () {
          const get = HttpClient.get(`${server.url}/stall`).pipe(
            Effect.flatMap((r) => Stream.runDrain(r.stream))
          )
          // The body deadline is longer than the whole request's: the whole request's fires.
          const both = get.pipe(Timeouts.withBodyTimeout("1 minute"), Timeouts.withTimeout("3 seconds"))
          const { error, elapsed } = yield* stalled(both, arrived, 10_000)
          expect(error).toMatchObject({ _tag: "TimeoutError", phase: "body", timeoutMillis: 3_000 })
          expect(elapsed).toBeLessThanOrEqual(3_000)
          expect(yield* text(`${server.url}/next`)).toBe("ok")
        })
      )
    })
  )
})
