/**
 * What a user reads when things go wrong: the platform error's message
 * carries the cause's words, invalid URLs are typed, and a reset before
 * the head is a reset.
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, TestClock } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import * as Timeouts from "../../src/Timeouts.js"
import { causeOf, h2Server, withClient } from "./support.js"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

describe("errors a user reads", () => {
  it.scoped("a timeout's message says which request, which phase and how long", () =>
    Effect.gen(function* () {
      const arrived = yield* Deferred.make<void>()
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* Deferred.succeed(arrived, undefined)
          yield* conn.closed
        })
      )
      yield* withClient(
        {},
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(
            Effect.flip(Timeouts.withTimeout(text(`${server.url}/slow`), "2 seconds"))
          )
          yield* Deferred.await(arrived)
          yield* TestClock.adjust("2 seconds")
          const error = yield* Fiber.join(fiber)
          expect(error.message).toBe(
            `Transport: headers timed out after 2000 ms for ${server.url} (GET ${server.url}/slow)`
          )
        })
      )
    })
  )

  it.effect("an invalid URL is an InvalidRequestError worded by the URL parser", () =>
    withClient(
      {},
      Effect.gen(function* () {
        const error = yield* Effect.flip(text("http://[::1"))
        expect(error).toMatchObject({ _tag: "RequestError", reason: "InvalidUrl" })
        expect(causeOf(error)).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidUrl" })
        expect(error.message).toContain("Invalid URL")
      })
    )
  )

  for (const [name, code] of [
    ["CANCEL", 8],
    ["NO_ERROR", 0]
  ] as const) {
    it.scoped(`HTTP/2: RST_STREAM(${name}) before the head is a StreamResetError in phase headers`, () =>
      Effect.gen(function* () {
        const server = yield* h2Server((stream, headers) => {
          if (headers[":path"] === "/reset") return void stream.close(code)
          stream.respond({ ":status": 200 })
          stream.end("ok")
        })
        yield* withClient(
          { protocol: "h2c" },
          Effect.gen(function* () {
            const error = causeOf(yield* Effect.flip(text(`${server.url}/reset`))) as RequestsError
            expect(error).toMatchObject({ _tag: "StreamResetError", code, phase: "headers" })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
      })
    )
  }
})
