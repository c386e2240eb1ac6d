/**
 * HTTP/2 bodies cut short: 7 of 100 declared bytes, then RST_STREAM(CANCEL),
 * RST_STREAM(NO_ERROR), GOAWAY or a dropped socket. None may come back as a
 * success, none may hang, and the pool serves the next request.
 */
import type * as http2 from "node:http2"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, h2Server, type H2Server, withClient } from "./support.js"

type Cut = "cancel" | "no-error" | "goaway" | "drop"

const serve =
  (cut: Cut, server: { current: H2Server | undefined }) =>
  (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
    if (headers[":path"] === "/next") {
      stream.respond({ ":status": 200, "content-length": "2" })
      return void stream.end("ok")
    }
    stream.respond({ ":status": 200, "content-length": "100" })
    stream.write(Buffer.alloc(7, 97), () => {
      switch (cut) {
        case "cancel":
          return stream.close(8)
        case "no-error":
          return stream.close(0)
        case "goaway":
          stream.session?.goaway(0, 0)
          return stream.session?.destroy()
        case "drop":
          for (const socket of server.current?.sockets ?? []) socket.destroy()
      }
    })
  }

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/**
 * Node's server ends the stream (END_STREAM) before its RST_STREAM: our
 * engine sees a body ended 93 bytes short of its content-length, a protocol
 * error of the server's; node's engine sees only the reset.
 */
const cases: ReadonlyArray<readonly [Cut, string, "own" | "node"]> = [
  ["cancel", "ProtocolError", "own"],
  ["no-error", "ProtocolError", "own"],
  ["goaway", "ClosedError", "own"],
  ["drop", "ClosedError", "own"],
  ["cancel", "StreamResetError", "node"],
  ["no-error", "StreamResetError", "node"],
  ["goaway", "ClosedError", "node"],
  ["drop", "ClosedError", "node"]
]

describe("HTTP/2 truncated bodies", () => {
  for (const [cut, tag, engine] of cases) {
    it.scoped(
      `${engine} engine, 7 of 100 bytes then ${cut}: a ${tag} in phase body, and the next request succeeds`,
      () =>
        Effect.gen(function* () {
          const ref: { current: H2Server | undefined } = { current: undefined }
          const server = yield* h2Server(serve(cut, ref))
          ref.current = server
          yield* withClient(
            { protocol: "h2c", h2: { engine } },
            Effect.gen(function* () {
              const error = causeOf(yield* Effect.flip(text(`${server.url}/cut`))) as RequestsError
              expect(error._tag).toBe(tag)
              expect(error).toMatchObject({ phase: "body" })
              if (tag === "ProtocolError") expect(error).toMatchObject({ reason: "ContentLengthMismatch" })
              expect(yield* text(`${server.url}/next`)).toBe("ok")
            })
          )
        })
    )
  }

  it.scoped("several streams open when the socket drops all fail at once", () =>
    Effect.gen(function* () {
      const ref: { current: H2Server | undefined } = { current: undefined }
      let opened = 0
      const server = yield* h2Server((stream, headers) => {
        if (headers[":path"] === "/next") {
          stream.respond({ ":status": 200 })
          return void stream.end("ok")
        }
        stream.respond({ ":status": 200, "content-length": "100" })
        stream.write(Buffer.alloc(7, 97), () => {
          if (++opened === 3) for (const socket of ref.current?.sockets ?? []) socket.destroy()
        })
      })
      ref.current = server
      yield* withClient(
        { protocol: "h2c" },
        Effect.gen(function* () {
          const errors = yield* Effect.all(
            Array.from({ length: 3 }, () => Effect.flip(text(`${server.url}/cut`))),
            { concurrency: "unbounded" }
          )
          expect(errors.map((e) => (causeOf(e) as RequestsError)._tag)).toEqual([
            "ClosedError",
            "ClosedError",
            "ClosedError"
          ])
          expect(yield* text(`${server.url}/next`)).toBe("ok")
        })
      )
    })
  )
})
