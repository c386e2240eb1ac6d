/**
 * Interim (1xx) responses over HTTP/2, with either engine: up to
 * `maxInterimResponses` of them are passed over on the way to the final
 * response; one more fails the exchange with a typed error, and the
 * connection serves the next request.
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, h2Server, withClient } from "./support.js"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/** A server that sends `/hints/n` n 103 responses before its answer. */
const hintingServer = h2Server((stream, headers) => {
  const [, route, n] = (headers[":path"] ?? "/").split("/")
  if (route === "hints") for (let i = 0; i < Number(n); i++) stream.additionalHeaders({ ":status": 103 })
  stream.respond({ ":status": 200 })
  stream.end("ok")
})

describe("HTTP/2 interim responses", () => {
  it.scoped.each(["own", "node"] as const)(
    "%s engine: maxInterimResponses interim responses pass, one more is a LimitExceededError",
    (engine) =>
      Effect.gen(function* () {
        const server = yield* hintingServer
        yield* withClient(
          { protocol: "h2c", h2: { engine, maxInterimResponses: 3 } },
          Effect.gen(function* () {
            expect(yield* text(`${server.url}/hints/1`)).toBe("ok")
            expect(yield* text(`${server.url}/hints/3`)).toBe("ok")
            const error = causeOf(yield* Effect.flip(text(`${server.url}/hints/4`))) as RequestsError
            expect(error).toMatchObject({
              _tag: "LimitExceededError",
              protocol: "h2",
              phase: "headers",
              limit: "maxInterimResponses",
              value: 3,
              detail: "more than 3 interim responses"
            })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
            expect(server.sockets).toHaveLength(1)
          })
        )
      })
  )
})
