import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Stream, TestClock } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import { groupBy, tally } from "../src/concurrency.js"
import { deterministicBytes, MiB, sha256 } from "../src/content.js"
import * as Nginx from "../src/nginx.js"
import { describeFailure, get, pools, type Protocol, send, stats, text, url, withClient } from "./helpers.js"

const nginx = requireServer("nginx", "nginx")

const small = "hello from nginx\n"
const big = deterministicBytes(20 * MiB, 7)
// Long enough to span many of sub_filter's buffers, with markers across every boundary it might cut.
const template = Array.from({ length: 60_000 }, (_, i) => `line ${i} @@ ${"x".repeat(i % 40)} @@\n`).join("")
const filtered = template.replaceAll("@@", "<>")

const site = { "small.txt": small, "big.bin": big, "chunked/page.html": template }

type Road = "http" | "https" | "h2" | "h2c"

/** How the client reaches each listener: scheme, protocol option and what nginx should log. */
const roads: Record<Road, { scheme: "http" | "https"; protocol: Protocol; logs: string }> = {
  http: { scheme: "http", protocol: "auto", logs: "HTTP/1.1" },
  https: { scheme: "https", protocol: "auto", logs: "HTTP/1.1" },
  h2: { scheme: "https", protocol: "auto", logs: "HTTP/2.0" },
  h2c: { scheme: "http", protocol: "h2c", logs: "HTTP/2.0" }
}

const on = (server: Nginx.NginxServer, road: Road, path: string) =>
  url(roads[road].scheme, server.ports[road], path)

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "nginx: choosing the protocol"), () => {
  it.scopedLive("HTTP/1.1 in clear text: the HTTP/1.1 pool carries every request", () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const carried = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => `plain-${i}`),
            (id) => get(on(server, "http", "/small.txt"), id),
            { concurrency: 5 }
          )
          expect(responses.map((r) => [r.status, text(r.body)])).toEqual(responses.map(() => [200, small]))
          return yield* pools
        })
      )
      expect(carried.h2Connections).toBe(0)
      expect(carried.h1Connections).toBeGreaterThanOrEqual(1)
      expect(carried.h1Connections).toBeLessThanOrEqual(5)
      const log = yield* server.awaitAccessLog((entries) => entries.length === 20, "20 requests logged")
      expect(new Set(log.map((entry) => entry.protocol))).toEqual(new Set(["HTTP/1.1"]))
      expect(new Set(log.map((entry) => entry.connection)).size).toBeLessThanOrEqual(carried.h1Connections)
    })
  )

  it.scopedLive('HTTPS whose ALPN offers no h2: protocol "auto" settles on HTTP/1.1', () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const carried = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => `https-${i}`),
            (id) => get(on(server, "https", "/small.txt"), id),
            { concurrency: 5 }
          )
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* pools
        })
      )
      expect(carried).toMatchObject({ h2Connections: 0, h2Streams: 0 })
      expect(carried.h1Connections).toBeGreaterThanOrEqual(1)
      const log = yield* server.awaitAccessLog((entries) => entries.length === 20, "20 requests logged")
      expect(new Set(log.map((entry) => entry.protocol))).toEqual(new Set(["HTTP/1.1"]))
    })
  )

  it.scopedLive('HTTPS whose ALPN offers h2: protocol "auto" multiplexes 50 requests on one connection', () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const carried = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 50 }, (_, i) => `h2-${i}`),
            (id) => get(on(server, "h2", "/small.txt"), id),
            { concurrency: "unbounded" }
          )
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* pools
        })
      )
      expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 50 })
      const log = yield* server.awaitAccessLog((entries) => entries.length === 50, "50 requests logged")
      expect(new Set(log.map((entry) => entry.protocol))).toEqual(new Set(["HTTP/2.0"]))
      expect(new Set(log.map((entry) => entry.connection)).size).toBe(1)
    })
  )

  const fixed = [
    { protocol: "http1", carried: { h1Connections: 1, h2Connections: 0, h2Streams: 0 }, logged: "HTTP/1.1" },
    { protocol: "http2", carried: { h1Connections: 0, h2Connections: 1, h2Streams: 1 }, logged: "HTTP/2.0" }
  ] as const
  for (const { protocol, carried, logged } of fixed) {
    it.scopedLive(`protocol "${protocol}" speaks ${logged} to the listener whose ALPN offers h2 too`, () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const pooled = yield* withClient(
          { protocol },
          Effect.gen(function* () {
            const response = yield* get(on(server, "h2", "/small.txt"))
            expect(text(response.body)).toBe(small)
            return yield* pools
          })
        )
        expect(pooled).toEqual(carried)
        const [entry] = yield* server.awaitAccessLog((entries) => entries.length === 1, "the request logged")
        expect(entry?.protocol).toBe(logged)
      })
    )
  }

  it.scopedLive('protocol "http2" to a TLS server without h2 fails in the handshake with AlpnMismatch', () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const error = yield* withClient(
        { protocol: "http2" },
        Effect.flip(get(on(server, "https", "/small.txt")))
      )
      expect(error).toMatchObject({ _tag: "RequestError" })
      // nginx answers an ALPN list it shares nothing with by the no_application_protocol alert.
      expect(error.cause).toMatchObject({
        _tag: "ProtocolError",
        reason: "AlpnMismatch",
        phase: "tls",
        protocol: "h2",
        detail: expect.stringContaining("no_application_protocol")
      })
      expect(yield* server.accessLog).toEqual([])
    })
  )

  it.scopedLive('protocol "h2c" speaks HTTP/2 with prior knowledge to the clear-text http2 listener', () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const carried = yield* withClient(
        { protocol: "h2c" },
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 20 }, () => on(server, "h2c", "/small.txt")),
            (target) => get(target),
            { concurrency: "unbounded" }
          )
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* pools
        })
      )
      expect(carried).toEqual({ h1Connections: 0, h2Connections: 1, h2Streams: 20 })
      const log = yield* server.awaitAccessLog((entries) => entries.length === 20, "20 requests logged")
      expect(new Set(log.map((entry) => entry.protocol))).toEqual(new Set(["HTTP/2.0"]))
    })
  )
})

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "nginx: large and chunked bodies"), () => {
  for (const road of ["http", "https", "h2", "h2c"] as const) {
    it.scopedLive(`20 MiB static file over ${road}`, () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const response = yield* withClient(
          { protocol: roads[road].protocol },
          get(on(server, road, "/big.bin"))
        )
        expect(response.status).toBe(200)
        expect(response.headers["content-length"]).toBe(String(big.length))
        expect(response.body.length).toBe(big.length)
        expect(sha256(response.body)).toBe(sha256(big))
        const [entry] = yield* server.awaitAccessLog((entries) => entries.length === 1, "the download logged")
        expect(entry).toMatchObject({ protocol: roads[road].logs, status: 200 })
      })
    )
  }

  const uploads = [
    { road: "http", body: "bytes" },
    { road: "http", body: "stream" },
    { road: "https", body: "stream" },
    { road: "h2", body: "bytes" },
    { road: "h2", body: "stream" },
    { road: "h2c", body: "stream" }
  ] as const
  for (const { road, body } of uploads) {
    const framing = body === "bytes" ? "with a length" : "streamed, length unknown"
    it.scopedLive(`20 MiB upload (WebDAV PUT) over ${road}, ${framing}`, () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site: { "small.txt": small } })
        const payload = deterministicBytes(20 * MiB, 11)
        const name = `${road}-${body}.bin`
        const put = HttpClientRequest.put(on(server, road, `/upload/${name}`))
        const request =
          body === "bytes"
            ? HttpClientRequest.bodyUint8Array(put, payload, "application/octet-stream")
            : HttpClientRequest.bodyStream(
                put,
                // 64 KiB pieces, as a file or socket would yield them.
                Stream.range(0, payload.length / (64 * 1024) - 1).pipe(
                  Stream.map((i) => payload.subarray(i * 64 * 1024, (i + 1) * 64 * 1024))
                ),
                { contentType: "application/octet-stream" }
              )
        const response = yield* withClient({ protocol: roads[road].protocol }, send(request))
        expect(response.status).toBe(201)
        const stored = yield* Effect.promise(() => readFile(join(server.root, "upload", name)))
        expect(stored.length).toBe(payload.length)
        expect(sha256(stored)).toBe(sha256(payload))
        const [entry] = yield* server.awaitAccessLog((entries) => entries.length === 1, "the upload logged")
        expect(entry).toMatchObject({ protocol: roads[road].logs, method: "PUT", status: 201 })
        expect(entry?.requestLength).toBeGreaterThan(payload.length)
      })
    )
  }

  it.scopedLive("a response of unknown length comes chunked over HTTP/1.1", () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const response = yield* withClient({}, get(on(server, "http", "/chunked/page.html")))
      expect(response.status).toBe(200)
      expect(response.headers["transfer-encoding"]).toBe("chunked")
      expect(response.headers["content-length"]).toBeUndefined()
      expect(text(response.body)).toBe(filtered)
    })
  )

  it.scopedLive("a response of unknown length over HTTP/2 ends with its last DATA frame", () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site })
      const responses = yield* withClient(
        {},
        Effect.forEach(Array.from({ length: 4 }), () => get(on(server, "h2", "/chunked/page.html")), {
          concurrency: "unbounded"
        })
      )
      for (const response of responses) {
        expect(response.status).toBe(200)
        expect(response.headers["content-length"]).toBeUndefined()
        expect(text(response.body)).toBe(filtered)
      }
    })
  )
})

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "nginx: keepalive_requests 50"), () => {
  it.scopedLive("HTTP/1.1: 500 requests at 10 concurrent, no connection asked for a 51st", () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site, keepaliveRequests: 50 })
      const ids = Array.from({ length: 500 }, (_, i) => `h1-${i}`)
      const after = yield* withClient(
        {},
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(ids, (id) => get(on(server, "http", "/small.txt"), id), {
            concurrency: 10
          })
          expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
          return yield* stats
        })
      )
      // nginx says `Connection: close` on each connection's 50th response, so nothing ever needs a retry.
      expect(after.retries).toBe(0)
      const log = yield* server.awaitAccessLog((entries) => entries.length === 500, "500 requests logged")
      const perConnection = [...groupBy(log, (entry) => entry.connection).values()].map((e) => e.length)
      expect(Math.max(...perConnection)).toBeLessThanOrEqual(50)
      // A connection dialed for a request that another, freed meanwhile, served first may carry none and
      // never reach the log.
      expect(perConnection.length).toBeLessThanOrEqual(after.h1.created)
      expect(perConnection.length).toBeGreaterThanOrEqual(10)
      expect([...tally(log.map((entry) => entry.requestId)).values()].every((n) => n === 1)).toBe(true)
      expect(log.length).toBe(500)
    })
  )
})

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "nginx: keepalive_timeout 1s"), () => {
  // Each round makes a request, then waits until nginx has closed that connection for being idle, while
  // the client holds it in its pool; the next request must not notice.
  const rounds = (server: Nginx.NginxServer, road: Road) =>
    Effect.forEach(
      [0, 1, 2],
      (round) =>
        Effect.gen(function* () {
          const response = yield* get(on(server, road, "/small.txt"), `idle-${round}`)
          expect(response.status).toBe(200)
          const log = yield* server.awaitAccessLog(
            (entries) => entries.some((entry) => entry.requestId === `idle-${round}`),
            `request ${round} logged`
          )
          const entry = log.find((e) => e.requestId === `idle-${round}`)
          expect(entry?.protocol).toBe(roads[road].logs)
          yield* server.awaitConnectionClosed(entry?.connection ?? -1)
          return entry?.connection
        }),
      { concurrency: 1 }
    )

  /** Three rounds over plain HTTP/1.1 against nginx with this keepalive_timeout, each after its idle close. */
  const idleRoundsOverHttp1 = (keepaliveTimeout: string) =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site, keepaliveTimeout, logConnectionEvents: true })
      return yield* withClient(
        {},
        Effect.gen(function* () {
          const connections = yield* rounds(server, "http")
          return { connections, after: yield* stats }
        })
      )
    })

  it.scopedLive("HTTP/1.1: a request after nginx closed the idle connection goes on a new one", () =>
    Effect.gen(function* () {
      const { connections, after } = yield* idleRoundsOverHttp1("1s")
      expect(new Set(connections).size).toBe(3)
      expect(after.h1.created).toBe(3)
    })
  )

  it.scoped(
    "HTTP/1.1 with Keep-Alive: timeout=1 announced while nginx keeps 3s: past the announced second the client opens a new connection",
    () =>
      Effect.gen(function* () {
        // nginx keeps idle connections 3 s but announces 1 s in its Keep-Alive header. Only the client's
        // clock moves (TestClock), so nginx still holds the first connection when the second request
        // goes out: only the announced timeout can make the client leave it.
        const server = yield* Nginx.make({ site, keepaliveTimeout: "3s 1s", logConnectionEvents: true })
        const after = yield* withClient(
          {},
          Effect.gen(function* () {
            expect((yield* get(on(server, "http", "/small.txt"), "announced-0")).status).toBe(200)
            yield* TestClock.adjust("1500 millis")
            expect((yield* get(on(server, "http", "/small.txt"), "announced-1")).status).toBe(200)
            return yield* stats
          })
        )
        const log = yield* server.awaitAccessLog(
          (entries) => ["announced-0", "announced-1"].every((id) => entries.some((e) => e.requestId === id)),
          "both requests logged"
        )
        const connectionOf = (id: string) => log.find((entry) => entry.requestId === id)?.connection
        expect(connectionOf("announced-0")).not.toBe(connectionOf("announced-1"))
        expect(after.h1.created).toBe(2)
        // The expired connection was dropped, not written on and found dead.
        expect(after.retries).toBe(0)
      })
  )

  it.scopedLive(
    "HTTP/2: a request after nginx sent GOAWAY and closed the idle connection goes on a new one",
    () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site, keepaliveTimeout: "1s", logConnectionEvents: true })
        const connections = yield* withClient({ protocol: "http2" }, rounds(server, "h2"))
        expect(new Set(connections).size).toBe(3)
      })
  )
})

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "nginx: keepalive_requests over HTTP/2"), () => {
  // nginx answers the stream that reaches keepalive_requests, then GOAWAY names it as the last one and
  // ignores the streams already sent above it. Those were never processed: whatever connection they are
  // replayed on, even one that is itself about to send GOAWAY, they must be sent again.
  it.scopedLive("requests left unprocessed by GOAWAY are replayed, however many GOAWAYs they meet", () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site, keepaliveRequests: 2, http2MaxConcurrentStreams: 3 })
      const ids = Array.from({ length: 60 }, (_, i) => `goaway-${i}`)
      const outcomes = yield* withClient(
        {},
        Effect.forEach(ids, (id) => Effect.either(get(on(server, "h2", "/small.txt"), id)), {
          concurrency: 12
        })
      )
      const failures = outcomes.flatMap((outcome) =>
        Either.isLeft(outcome) ? [describeFailure(outcome.left)] : []
      )
      expect(failures).toEqual([])
      yield* server.stop
      const log = yield* server.accessLog
      expect(log.length).toBe(60)
      expect([...tally(log.map((entry) => entry.requestId)).values()].every((n) => n === 1)).toBe(true)
    })
  )
})
