/**
 * A server that answers or resets a stream while the client's streamed
 * request body is waiting for its next chunk. The writer that pulls the body
 * runs beside the exchange, so it is the stream's to stop: nothing else will,
 * and a body stream that never goes on would keep it alive for good.
 */
import * as http2 from "node:http2"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Wait } from "@effect-requests/testing"
import { Deferred, Effect, Stream } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, h2Server, withClient } from "./support.js"

/** One chunk, then a pull that never ends; `pulled` completes when that pull starts. */
const stalledBody = (pulled: Deferred.Deferred<void>) =>
  Stream.concat(
    Stream.make(new Uint8Array(1024)),
    Stream.fromEffect(Effect.zipRight(Deferred.succeed(pulled, undefined), Effect.never))
  )

const post = (url: string, body: Stream.Stream<Uint8Array>) =>
  HttpClient.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyStream(body)))

describe.each(["own", "node"] as const)(
  "HTTP/2 (%s engine): an upload waiting for its next chunk",
  (engine) => {
    it.scopedLive("a complete 413 reaches the caller, and the writer stops with the stream", () =>
      Effect.gen(function* () {
        const pulled = yield* Deferred.make<void>()
        const server = yield* h2Server((stream) => {
          stream.respond({ ":status": 413 })
          stream.end("too large")
        })
        // The leak check after the client closes finds a writer left pulling the body.
        yield* withClient(
          { protocol: "h2c", h2: { engine } },
          Effect.gen(function* () {
            const response = yield* post(`${server.url}/upload`, stalledBody(pulled))
            expect(response.status).toBe(413)
            expect(yield* response.text).toBe("too large")
            yield* Wait.within(Deferred.await(pulled), {
              helper: "stalledBody",
              unit: "pull past the first chunk",
              target: 1,
              seen: () => 0
            })
          })
        )
      })
    )

    it.scopedLive("a reset fails the exchange typed, and the writer stops with the stream", () =>
      Effect.gen(function* () {
        const pulled = yield* Deferred.make<void>()
        const server = yield* h2Server((stream) => {
          // Reset once the client is waiting on its body, not before it wrote anything.
          stream.once("data", () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR))
        })
        yield* withClient(
          { protocol: "h2c", h2: { engine } },
          Effect.gen(function* () {
            const error = yield* Effect.flip(post(`${server.url}/upload`, stalledBody(pulled)))
            expect((causeOf(error) as RequestsError)._tag).toBe("StreamResetError")
          })
        )
      })
    )
  }
)
