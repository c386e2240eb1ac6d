/**
 * The RST_STREAM frames the client sends, as a server reading the raw frames
 * sees them: a stream whose response came in full is over, and resetting it
 * anyway is noise some servers count against the client (as they do to
 * fend off the "rapid reset" flood).
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Effect, Stream } from "effect"
import {
  DATA,
  END_HEADERS,
  END_STREAM,
  frame,
  HEADERS,
  RST_STREAM,
  SETTINGS,
  STATUS_200,
  withClient
} from "./support.js"

/** A server that answers every request with "ok" in full, counting the RST_STREAM frames it receives. */
const countingResets = Effect.gen(function* () {
  let resets = 0
  const server = yield* RawServer.make((conn) =>
    Effect.gen(function* () {
      yield* conn.readBytes(24)
      yield* conn.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)))
      for (;;) {
        const head = yield* conn.readBytes(9)
        const length = head.readUIntBE(0, 3)
        if (length > 0) yield* conn.readBytes(length)
        if (head[3] === RST_STREAM) resets++
        if (head[3] !== HEADERS) continue
        const id = head.readUInt32BE(5) & 0x7fffffff
        yield* conn.write(
          Buffer.concat([
            frame(HEADERS, END_HEADERS, id, STATUS_200),
            frame(DATA, END_STREAM, id, Buffer.from("ok"))
          ])
        )
      }
    })
  )
  return { server, resets: () => resets }
})

describe("HTTP/2 resets the client sends", () => {
  it.scoped.each(["own", "node"] as const)(
    "%s engine: responses read to their end, as a stream or whole, are never reset",
    (engine) =>
      Effect.gen(function* () {
        const { server, resets } = yield* countingResets
        yield* withClient(
          { protocol: "h2c", h2: { engine } },
          Effect.gen(function* () {
            for (let i = 0; i < 10; i++) {
              const streamed = yield* HttpClient.get(`${server.url}/streamed`)
              expect(yield* Stream.runCollect(Stream.decodeText(streamed.stream))).toHaveLength(1)
              expect(yield* Effect.flatMap(HttpClient.get(`${server.url}/whole`), (r) => r.text)).toBe("ok")
            }
          })
        )
        // The script ends with the connection, once it has read every frame the client sent.
        yield* server.awaitScripts(1)
        expect(resets()).toBe(0)
      })
  )
})
