import { HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import { deterministicBytes, MiB, sha256 } from "../src/content.js"
import * as Nghttpd from "../src/nghttpd.js"
import { get, pools, send, stats, text, url, withClient } from "./helpers.js"

const nghttpd = requireServer("nghttpd", "nghttp2-server")

const small = "hello from nghttpd\n"
const big = deterministicBytes(20 * MiB, 17)

describe.skipIf(nghttpd.path === undefined)(suiteTitle(nghttpd, "nghttpd"), () => {
  it.scopedLive('TLS, protocol "auto": ALPN picks h2; a 20 MiB file and small ones on one connection', () =>
    Effect.gen(function* () {
      const server = yield* Nghttpd.make({ site: { "small.txt": small, "big.bin": big } })
      const { download, smalls, carried } = yield* withClient(
        {},
        Effect.gen(function* () {
          const [download, smalls] = yield* Effect.all(
            [
              get(url("https", server.port, "/big.bin")),
              Effect.forEach(Array.from({ length: 20 }), () => get(url("https", server.port, "/small.txt")), {
                concurrency: 10
              })
            ],
            { concurrency: 2 }
          )
          return { download, smalls, carried: yield* pools }
        })
      )
      expect(download.status).toBe(200)
      expect(download.body.length).toBe(big.length)
      expect(sha256(download.body)).toBe(sha256(big))
      expect(smalls.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
      expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 21 })
    })
  )

  it.scopedLive("SETTINGS_MAX_CONCURRENT_STREAMS 3: 200 requests at 30 concurrent, never a 4th stream", () =>
    Effect.gen(function* () {
      const server = yield* Nghttpd.make({
        site: { "small.txt": small },
        maxConcurrentStreams: 3,
        frameLog: true
      })
      const after = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 200 }),
            () => get(url("https", server.port, "/small.txt")),
            { concurrency: 30 }
          )
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* stats
        })
      )
      yield* server.stop
      const connections = Nghttpd.streamConcurrency(yield* server.frameLog)
      // A stream over the limit would be refused (RST_STREAM), or, once the limit is acknowledged, be a
      // connection error: neither happened, and no connection ever had more than 3 open.
      expect(connections.map((c) => c.resetsSent + c.goawaysSent)).toEqual(connections.map(() => 0))
      expect(Math.max(...connections.map((c) => c.maxOpen))).toBe(3)
      expect(connections.reduce((sum, c) => sum + c.streams, 0)).toBe(200)
      // Past one connection's 3 slots the client opens more, up to its default of 4.
      expect(connections.length).toBeGreaterThan(1)
      expect(connections.length).toBeLessThanOrEqual(4)
      expect(Option.map(after.h2, (h2) => ({ refused: h2.refused, totalStreams: h2.totalStreams }))).toEqual(
        Option.some({ refused: 0, totalStreams: 200 })
      )
    })
  )

  it.scopedLive(
    "SETTINGS_MAX_CONCURRENT_STREAMS 3 with strictMaxConcurrentStreams: one connection, queued",
    () =>
      Effect.gen(function* () {
        const server = yield* Nghttpd.make({
          site: { "small.txt": small },
          maxConcurrentStreams: 3,
          frameLog: true
        })
        yield* withClient(
          { h2: { strictMaxConcurrentStreams: true } },
          Effect.forEach(Array.from({ length: 100 }), () => get(url("https", server.port, "/small.txt")), {
            concurrency: 30
          })
        )
        yield* server.stop
        const connections = Nghttpd.streamConcurrency(yield* server.frameLog)
        expect(connections).toEqual([
          { connection: 2, streams: 100, maxOpen: 3, resetsSent: 0, goawaysSent: 0 }
        ])
      })
  )

  it.scopedLive('h2c: protocol "h2c" with prior knowledge, 50 requests at 25 concurrent', () =>
    Effect.gen(function* () {
      const server = yield* Nghttpd.make({ site: { "small.txt": small }, tls: false })
      const carried = yield* withClient(
        { protocol: "h2c" },
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 50 }),
            () => get(url("http", server.port, "/small.txt")),
            { concurrency: 25 }
          )
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* pools
        })
      )
      expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 50 })
    })
  )

  it.scopedLive("a 20 MiB upload echoed back: flow control both ways at once", () =>
    Effect.gen(function* () {
      const server = yield* Nghttpd.make({ echoUpload: true })
      const payload = deterministicBytes(20 * MiB, 19)
      const response = yield* withClient(
        {},
        send(
          HttpClientRequest.post(url("https", server.port, "/echo")).pipe(
            HttpClientRequest.bodyUint8Array(payload, "application/octet-stream")
          )
        )
      )
      expect(response.status).toBe(200)
      expect(response.body.length).toBe(payload.length)
      expect(sha256(response.body)).toBe(sha256(payload))
    })
  )

  it.scopedLive(
    'protocol "http1" against a server that only speaks h2 fails with a ClosedError, not a hang',
    () =>
      Effect.gen(function* () {
        // nghttpd completes the handshake without ALPN, then hangs up on a client that did not offer h2.
        const server = yield* Nghttpd.make({ site: { "small.txt": small } })
        const error = yield* withClient(
          { protocol: "http1" },
          Effect.flip(get(url("https", server.port, "/small.txt")))
        )
        expect(error).toMatchObject({ _tag: "RequestError" })
        expect(error.cause).toMatchObject({
          _tag: "ClosedError",
          protocol: "http/1.1",
          phase: expect.stringMatching(/^(request|headers)$/),
          reused: false,
          responseStarted: false
        })
      })
  )
})
