/**
 * Every reason the transport gives for sending a request again, each
 * provoked once through the client, with the `Retried` event it reports.
 * `Misdirected` is provoked in the coalescing tests (router/coalescing),
 * `ProtocolChanged` in the router's (router/protocol-router).
 */
import * as http2 from "node:http2"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, type Events, Requests } from "@effect-requests/client"
import { Http2TestServer, RawServer, TestCerts } from "@effect-requests/testing"
import { Effect, Fiber } from "effect"

const get = (url: string, id: string) =>
  HttpClient.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("x-request-id", id))).pipe(
    Effect.flatMap((r) => r.text)
  )

/** Runs `body` on a client of its own (transport only: no retry battery), and returns the Retried events. */
const retried = <A, E>(
  options: Requests.Options,
  body: Effect.Effect<A, E, HttpClient.HttpClient | Requests.Requests>
) =>
  Effect.gen(function* () {
    const events: Array<Events.RequestsEvent> = []
    const layer = Requests.layer({ batteries: false, events: (e) => events.push(e), ...options })
    const result = yield* Effect.provide(body, layer)
    const retries = events.filter((e) => e._tag === "Retried")
    return { result, retries }
  })

describe("Retried reasons", () => {
  it.scoped("StaleConnection: a reused HTTP/1.1 connection closes before answering", () =>
    Effect.gen(function* () {
      // The first connection answers once, then closes on the second request without a byte.
      const server = yield* RawServer.make((conn, index) =>
        Effect.gen(function* () {
          const request = yield* conn.readRequest
          yield* conn.write(RawServer.response(200, {}, request.path))
          if (index === 0) {
            yield* conn.readRequest
            return yield* conn.destroy
          }
          const next = yield* conn.readRequest
          yield* conn.write(RawServer.response(200, {}, next.path))
        })
      )
      const { result, retries } = yield* retried(
        {},
        Effect.zip(get(`${server.url}/one`, "1"), get(`${server.url}/two`, "2"))
      )
      expect(result).toEqual(["/one", "/two"])
      expect(server.connectionsOpened).toBe(2)
      expect(retries).toEqual([
        { _tag: "Retried", endpoint: server.url, protocol: "http/1.1", reason: "StaleConnection" }
      ])
    })
  )

  it.scoped("RefusedStream: the server resets the stream with REFUSED_STREAM", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      yield* server.resetFirstTry(http2.constants.NGHTTP2_REFUSED_STREAM)
      const { result, retries } = yield* retried({ protocol: "h2c" }, get(`${server.url}/bytes/2`, "r"))
      expect(result).toBe("ab")
      expect(server.requestIds.get("r")).toBe(2)
      expect(retries).toEqual([
        { _tag: "Retried", endpoint: server.url, protocol: "h2", reason: "RefusedStream" }
      ])
    })
  )

  it.scoped("GoAway: the server's GOAWAY leaves the stream unprocessed", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const { result, retries } = yield* retried(
        { protocol: "h2c" },
        Effect.gen(function* () {
          const first = yield* Effect.fork(get(`${server.url}/hold/k`, "g1"))
          yield* server.awaitRequests(1)
          const second = yield* Effect.fork(get(`${server.url}/hold/k`, "g2"))
          yield* server.awaitRequests(2)
          // The second stream is above the last stream id the GOAWAY processes. (Node's server takes
          // a last stream id of 0 for "the last one received", so the first stream is named.)
          yield* server.goaway({ lastStreamId: server.sessions[0]!.streamIds[0]! })
          yield* server.awaitRequests(3).pipe(
            // Whatever happens, the held streams are answered, so the client closes without waiting on them.
            Effect.ensuring(server.release("k"))
          )
          return yield* Fiber.join(Fiber.zip(first, second))
        })
      )
      expect(result).toEqual(["k", "k"])
      expect(server.stats.sessionsOpened).toBe(2)
      expect(server.requestIds.get("g2")).toBe(2)
      expect(retries).toEqual([{ _tag: "Retried", endpoint: server.url, protocol: "h2", reason: "GoAway" }])
    })
  )

  it.scoped("Http11Required: the server resets the stream with HTTP_1_1_REQUIRED; HTTP/1.1 answers", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, http1Handler: (_, res) => res.end("h1") })
      yield* server.resetFirstTry(http2.constants.NGHTTP2_HTTP_1_1_REQUIRED)
      const origin = `https://localhost:${server.port}`
      const { result, retries } = yield* retried(
        { tls: { ca: TestCerts.ca }, lookup: Dialer.staticLookup({ localhost: "127.0.0.1" }) },
        get(`${origin}/`, "h")
      )
      expect(result).toBe("h1")
      expect(retries).toEqual([
        { _tag: "Retried", endpoint: origin, protocol: "h2", reason: "Http11Required" }
      ])
    })
  )
})
