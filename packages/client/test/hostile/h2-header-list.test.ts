/**
 * An HTTP/2 response head over `maxHeaderListSize` is refused with a typed
 * error, and the connection serves the next request.
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, h2Server, withClient } from "./support.js"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/**
 * A server answering `/over` with `head` and anything else with a plain 200: the client, limited to
 * `limit`, fails `/over` with its LimitExceededError and then serves the next request.
 */
const overTheLimit = (head: Record<string, string | number>, limit: number, engine: "own" | "node" = "own") =>
  Effect.gen(function* () {
    const server = yield* h2Server((stream, headers) => {
      stream.respond(headers[":path"] === "/over" ? head : { ":status": 200 })
      stream.end("ok")
    })
    yield* withClient(
      { protocol: "h2c", h2: { maxHeaderListSize: limit, engine } },
      Effect.gen(function* () {
        const error = causeOf(yield* Effect.flip(text(`${server.url}/over`))) as RequestsError
        expect(error).toMatchObject({
          _tag: "LimitExceededError",
          limit: "maxHeaderListSize",
          value: limit,
          phase: "headers",
          // The size the head came to, whichever engine counted it.
          detail: expect.stringMatching(/header list of \d+ /)
        })
        expect(yield* text(`${server.url}/next`)).toBe("ok")
      })
    )
  })

describe("HTTP/2 maxHeaderListSize", () => {
  it.scoped.each(["own", "node"] as const)(
    "%s engine: a 40 KiB header against a 16 KiB limit fails with LimitExceededError; the next request succeeds",
    (engine) => overTheLimit({ ":status": 200, "x-big": "a".repeat(40 * 1024) }, 16 * 1024, engine)
  )

  it.scoped("a 40 KiB header within the default 64 KiB is accepted", () =>
    Effect.gen(function* () {
      const server = yield* h2Server((stream) => {
        stream.respond({ ":status": 200, "x-big": "a".repeat(40 * 1024) })
        stream.end("ok")
      })
      yield* withClient(
        { protocol: "h2c" },
        Effect.map(HttpClient.get(`${server.url}/big`), (r) =>
          expect(r.headers["x-big"]).toHaveLength(40 * 1024)
        )
      )
    })
  )

  /** A head of `n` short fields: more than node's default of 128 pairs, well within 64 KiB. */
  const manyFields = (n: number) => {
    const head: Record<string, string | number> = { ":status": 200 }
    for (let i = 0; i < n; i++) head[`x-field-${i}`] = "v"
    return head
  }

  it.scoped("300 short header fields are accepted: node's own pair limit no longer resets the stream", () =>
    Effect.gen(function* () {
      const server = yield* h2Server((stream) => {
        stream.respond(manyFields(300))
        stream.end("ok")
      })
      yield* withClient(
        { protocol: "h2c" },
        Effect.map(HttpClient.get(`${server.url}/many`), (r) => expect(r.headers["x-field-299"]).toBe("v"))
      )
    })
  )

  // 200 fields of about 43 bytes each pass 8 KiB, below the 257 fields node's engine allows for it.
  it.scoped(
    "many short fields over maxHeaderListSize: the client's LimitExceededError, not a reset read as the server's",
    () => overTheLimit(manyFields(200), 8 * 1024)
  )

  // 400 fields are more than 8 KiB / 32: node's engine cuts such a head with a reset of its own, which
  // reads as the server's; ours decodes it to the end and fails it as over the limit.
  it.scoped("more short fields than maxHeaderListSize / 32: still the client's LimitExceededError", () =>
    overTheLimit(manyFields(400), 8 * 1024)
  )
})
