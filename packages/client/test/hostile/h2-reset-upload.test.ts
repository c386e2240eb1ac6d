/**
 * A server that resets a stream while the client still has request bytes
 * queued on it. After RST_STREAM(NO_ERROR), node ends such a stream's
 * readable side and then waits for the queued writes before 'close', which
 * never come on a closed stream: the stream, and the upload it holds, would
 * stay in the session until the session died, and a graceful close of the
 * connection would wait for it. With an error code node destroys the stream
 * itself; that case is kept as a guard.
 */
import * as http2 from "node:http2"
import type * as net from "node:net"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Wait } from "@effect-requests/testing"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import * as Requests from "../../src/Requests.js"
import { causeOf, h2Server, withClient } from "./support.js"

/** Larger than a stream's first window: most of it is still queued when the reset arrives. */
const upload = new Uint8Array(1024 * 1024)

const closed = (socket: net.Socket): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (socket.destroyed) return resume(Effect.void)
    socket.once("close", () => resume(Effect.void))
  })

describe("HTTP/2 stream reset while the upload is queued", () => {
  it.scopedLive.each([
    ["INTERNAL_ERROR", http2.constants.NGHTTP2_INTERNAL_ERROR, "own"],
    ["NO_ERROR", http2.constants.NGHTTP2_NO_ERROR, "own"],
    ["INTERNAL_ERROR", http2.constants.NGHTTP2_INTERNAL_ERROR, "node"],
    ["NO_ERROR", http2.constants.NGHTTP2_NO_ERROR, "node"]
  ] as const)(
    "reset with %s (%s engine): typed, the stream let go, and the connection closes when flushed",
    ([, code, engine]) =>
      Effect.gen(function* () {
        const server = yield* h2Server((stream, headers) => {
          if (headers[":path"] === "/next") {
            stream.respond({ ":status": 200 })
            return void stream.end("ok")
          }
          stream.close(code)
        })
        yield* withClient(
          { protocol: "h2c", h2: { engine } },
          Effect.gen(function* () {
            const post = HttpClient.execute(
              HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyUint8Array(upload))
            )
            const errors = yield* Effect.all(
              Array.from({ length: 4 }, () => Effect.flip(post)),
              { concurrency: "unbounded" }
            )
            for (const error of errors)
              expect((causeOf(error) as RequestsError)._tag).toMatch(/StreamResetError|ClosedError/)
            expect(yield* Effect.flatMap(HttpClient.get(`${server.url}/next`), (r) => r.text)).toBe("ok")
            // A graceful close waits for every stream of the session; a stream left hanging keeps it open.
            yield* Effect.flatMap(Requests.Requests, (requests) => requests.flush)
            yield* Wait.within(Effect.forEach(server.sockets, closed, { discard: true }), {
              helper: "flush",
              unit: "open connection",
              target: 0,
              seen: () => server.sockets.filter((socket) => !socket.destroyed).length
            })
          })
        )
      })
  )
})
