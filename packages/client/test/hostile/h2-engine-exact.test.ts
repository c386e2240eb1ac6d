/**
 * What our HTTP/2 engine sees that node's hides: a reset that ends a body
 * without END_STREAM, and interim responses without end (for heads with
 * more fields than the limit allows, see h2-header-list.test.ts). Each is a typed error that says which side
 * acted, and the connection serves the next request.
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import {
  causeOf,
  DATA,
  END_HEADERS,
  END_STREAM,
  frame,
  h2Server,
  HEADERS,
  RST_STREAM,
  SETTINGS,
  STATUS_200,
  withClient
} from "./support.js"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/**
 * A server that answers its first request with a head and five body bytes
 * and then RST_STREAM(NO_ERROR), no END_STREAM and no content-length; and
 * every later request with "ok".
 */
const resetAfterData = RawServer.make((conn) =>
  Effect.gen(function* () {
    yield* conn.readBytes(24)
    yield* conn.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)))
    let first = true
    for (;;) {
      const head = yield* conn.readBytes(9)
      const length = head.readUIntBE(0, 3)
      if (length > 0) yield* conn.readBytes(length)
      if (head[3] !== HEADERS) continue
      const id = head.readUInt32BE(5) & 0x7fffffff
      yield* conn.write(frame(HEADERS, END_HEADERS, id, STATUS_200))
      if (first) {
        first = false
        yield* conn.write(frame(DATA, 0, id, Buffer.from("hello")))
        yield* conn.write(frame(RST_STREAM, 0, id, Buffer.alloc(4)))
      } else {
        yield* conn.write(frame(DATA, END_STREAM, id, Buffer.from("ok")))
      }
    }
  })
)

describe("HTTP/2 faults our engine tells apart", () => {
  it.scoped(
    "RST_STREAM(NO_ERROR) before END_STREAM, with no content-length: the body is cut, not complete",
    () =>
      Effect.gen(function* () {
        const server = yield* resetAfterData
        yield* withClient(
          { protocol: "h2c" },
          Effect.gen(function* () {
            const error = causeOf(yield* Effect.flip(text(`${server.url}/cut`))) as RequestsError
            expect(error).toMatchObject({
              _tag: "StreamResetError",
              code: 0,
              codeName: "NO_ERROR",
              phase: "body"
            })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
      })
  )

  it.scoped(
    "interim responses past maxInterimResponses: the client's LimitExceededError, not a reset read as the server's",
    () =>
      Effect.gen(function* () {
        const server = yield* h2Server((stream, headers) => {
          if (headers[":path"] === "/hints")
            for (let i = 0; i < 5; i++) stream.additionalHeaders({ ":status": 103 })
          stream.respond({ ":status": 200 })
          stream.end("ok")
        })
        yield* withClient(
          { protocol: "h2c", h2: { maxInterimResponses: 3 } },
          Effect.gen(function* () {
            const error = causeOf(yield* Effect.flip(text(`${server.url}/hints`))) as RequestsError
            expect(error).toMatchObject({
              _tag: "LimitExceededError",
              limit: "maxInterimResponses",
              value: 3,
              phase: "headers"
            })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
      })
  )
})
