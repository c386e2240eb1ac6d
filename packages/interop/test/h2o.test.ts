import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import { groupBy, tally } from "../src/concurrency.js"
import { deterministicBytes, MiB, sha256 } from "../src/content.js"
import * as H2o from "../src/h2o.js"
import { get, pools, type Protocol, text, url, withClient } from "./helpers.js"

const h2o = requireServer("h2o", "h2o")

const small = "hello from h2o\n"
const big = deterministicBytes(20 * MiB, 13)
const site = { "small.txt": small, "big.bin": big }

const many = (
  server: H2o.H2oServer,
  scheme: "http" | "https",
  prefix: string,
  n: number,
  concurrency: number
) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
    (id) => get(url(scheme, scheme === "https" ? server.ports.tls : server.ports.plain, "/small.txt"), id),
    { concurrency }
  )

describe.skipIf(h2o.path === undefined)(suiteTitle(h2o, "h2o"), () => {
  it.scopedLive('TLS, protocol "auto": ALPN picks h2 and 50 concurrent requests share one connection', () =>
    Effect.gen(function* () {
      const server = yield* H2o.make({ site })
      const carried = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* many(server, "https", "auto", 50, 50)
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* pools
        })
      )
      expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 50 })
      yield* server.stop
      const log = yield* server.accessLog
      expect(log.length).toBe(50)
      expect(new Set(log.map((entry) => entry.protocol))).toEqual(new Set(["HTTP/2"]))
      expect(new Set(log.map((entry) => entry.connection)).size).toBe(1)
      expect([...tally(log.map((entry) => entry.requestId)).values()].every((n) => n === 1)).toBe(true)
    })
  )

  const fixed: ReadonlyArray<{ protocol: Protocol; logs: string }> = [
    { protocol: "http1", logs: "HTTP/1.1" },
    { protocol: "http2", logs: "HTTP/2" }
  ]
  for (const { protocol, logs } of fixed) {
    it.scopedLive(`TLS, protocol "${protocol}": 30 requests at 6 concurrent, all ${logs}`, () =>
      Effect.gen(function* () {
        const server = yield* H2o.make({ site })
        const carried = yield* withClient(
          { protocol },
          Effect.gen(function* () {
            const responses = yield* many(server, "https", String(protocol), 30, 6)
            expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
            return yield* pools
          })
        )
        yield* server.stop
        const log = yield* server.accessLog
        expect(log.length).toBe(30)
        expect(new Set(log.map((entry) => entry.protocol))).toEqual(new Set([logs]))
        const connections = groupBy(log, (entry) => entry.connection).size
        if (protocol === "http1") {
          expect(carried.h2Connections).toBe(0)
          expect(carried.h1Connections).toBeGreaterThanOrEqual(connections)
          expect(connections).toBeLessThanOrEqual(6)
        } else {
          expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 30 })
          expect(connections).toBe(1)
        }
      })
    )
  }

  it.scopedLive(
    'clear text: protocol "auto" speaks HTTP/1.1, protocol "h2c" HTTP/2 with prior knowledge',
    () =>
      Effect.gen(function* () {
        const server = yield* H2o.make({ site })
        const h1 = yield* withClient({}, Effect.zipRight(many(server, "http", "plain", 10, 5), pools))
        const h2c = yield* withClient(
          { protocol: "h2c" },
          Effect.zipRight(many(server, "http", "h2c", 10, 10), pools)
        )
        expect(h1).toMatchObject({ h2Connections: 0 })
        expect(h2c).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 10 })
        yield* server.stop
        const log = yield* server.accessLog
        const byPrefix = (prefix: string) =>
          new Set(log.filter((entry) => entry.requestId?.startsWith(prefix)).map((entry) => entry.protocol))
        expect(byPrefix("plain-")).toEqual(new Set(["HTTP/1.1"]))
        expect(byPrefix("h2c-")).toEqual(new Set(["HTTP/2"]))
      })
  )

  it.scopedLive("h2o working on 3 requests per connection at a time: 200 requests at 30 concurrent", () =>
    Effect.gen(function* () {
      // h2o still announces 100 streams and queues what it does not work on yet: the client must wait
      // for responses that come late, not give up on them.
      const server = yield* H2o.make({ site, http2MaxConcurrentRequests: 3 })
      const carried = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* many(server, "https", "queued", 200, 30)
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* pools
        })
      )
      expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 200 })
      yield* server.stop
      expect((yield* server.accessLog).length).toBe(200)
    })
  )

  const downloads: ReadonlyArray<Protocol> = ["http1", "http2"]
  for (const protocol of downloads) {
    it.scopedLive(`20 MiB static file over TLS, protocol "${protocol}"`, () =>
      Effect.gen(function* () {
        const server = yield* H2o.make({ site })
        const responses = yield* withClient(
          { protocol },
          Effect.forEach([1, 2], () => get(url("https", server.ports.tls, "/big.bin")), { concurrency: 2 })
        )
        for (const response of responses) {
          expect(response.status).toBe(200)
          expect(response.body.length).toBe(big.length)
          expect(sha256(response.body)).toBe(sha256(big))
        }
      })
    )
  }
})
