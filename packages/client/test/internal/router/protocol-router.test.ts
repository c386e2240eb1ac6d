import * as https from "node:https"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { type Events, Requests } from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Deferred, Effect, Exit, Option, Scope } from "effect"

/** An HTTP/1.1-only TLS server on a given port, answering "h1". */
const h1OnlyOn = (port: number) =>
  Effect.acquireRelease(
    Effect.async<https.Server>((resume) => {
      const server = https.createServer({ ...TestCerts.leaf }, (_, res) => res.end("h1"))
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )

const client = Requests.layer({ tls: { ca: TestCerts.ca } })
const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)
const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)
const h2Connections = Effect.map(stats, (s) => Option.map(s.h2, (h2) => h2.connections))

describe('protocol "auto"', () => {
  it.scoped("an h2 server: the discovery connection is adopted and carries the next 100 requests", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const url = `https://localhost:${server.port}/bytes/5`
      expect(yield* text(url)).toBe("abcde")
      yield* Effect.forEach(Array.from({ length: 100 }), () => text(url), { concurrency: "unbounded" })
      // One TCP connection, so one TLS handshake, for all 101 requests.
      expect(server.stats.connectionsOpened).toBe(1)
      expect(yield* h2Connections).toEqual(Option.some(1))
      expect((yield* stats).h1.created).toBe(0)
    }).pipe(Effect.provide(client))
  )

  it.scoped("an HTTP/1.1-only TLS server: the discovery connection is adopted by the HTTP/1.1 pool", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const url = `https://localhost:${server.port}/bytes/3`
      for (let i = 0; i < 5; i++) expect(yield* text(url)).toBe("abc")
      expect(server.stats.connectionsOpened).toBe(1)
      const s = yield* stats
      expect(s.h1).toMatchObject({ created: 1, reused: 4 })
      expect(Option.isNone(s.h2)).toBe(true)
    }).pipe(Effect.provide(client))
  )

  it.scoped("plain http stays on HTTP/1.1 without any discovery", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      expect(yield* text(`${server.url}/bytes/2`)).toBe("ab")
      expect((yield* stats).h1.created).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("a cold burst of 100 first requests to an h2 origin opens one connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const url = `https://localhost:${server.port}/bytes/1`
      const bodies = yield* Effect.forEach(Array.from({ length: 100 }), () => text(url), {
        concurrency: "unbounded"
      })
      expect(bodies).toHaveLength(100)
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("a cold burst to an HTTP/1.1-only origin spreads over at most maxConnectionsPerEndpoint", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const url = `https://localhost:${server.port}/bytes/1`
      yield* Effect.forEach(Array.from({ length: 100 }), () => text(url), { concurrency: "unbounded" })
      expect(server.stats.connectionsOpened).toBeGreaterThan(1)
      expect(server.stats.peakOpenConnections).toBeLessThanOrEqual(10)
    }).pipe(Effect.provide(client))
  )

  it.scoped("HTTP_1_1_REQUIRED moves the request, and the ones after it, to HTTP/1.1", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({
        tls: true,
        http1Handler: (req, res) => res.end(`h1 ${req.url}`)
      })
      const base = `https://localhost:${server.port}`
      // ALPN picks h2; the route resets the stream with HTTP_1_1_REQUIRED (0xd).
      expect(yield* text(`${base}/reset/13`)).toBe("h1 /reset/13")
      expect(yield* text(`${base}/bytes/1`)).toBe("h1 /bytes/1")
      expect(server.stats.requests).toBe(1)
      const s = yield* stats
      expect(s.retries).toBe(1)
      expect(s.h1.created).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "an origin that stops offering h2: the hint is renewed by ALPN and the request goes over HTTP/1.1",
    () =>
      Effect.gen(function* () {
        const released = yield* Deferred.make<void>()
        const events: Array<Events.RequestsEvent> = []
        const layer = Requests.layer({
          tls: { ca: TestCerts.ca },
          events: (event) => {
            events.push(event)
            if (event._tag === "Released") Deferred.unsafeDone(released, Exit.void)
          }
        })
        yield* Effect.gen(function* () {
          const first = yield* Scope.make()
          const h2 = yield* Scope.extend(Http2TestServer.make({ tls: true }), first)
          const url = `https://localhost:${h2.port}/`
          expect(yield* text(`${url}bytes/1`)).toBe("a")
          // The server goes away, and the client has let its connection go.
          yield* Scope.close(first, Exit.void)
          yield* Deferred.await(released)
          // What answers on that port now speaks HTTP/1.1 only, and refuses h2.
          yield* h1OnlyOn(h2.port)
          expect(yield* text(url)).toBe("h1")
          expect(yield* text(url)).toBe("h1")
          const s = yield* stats
          expect(s.retries).toBe(1)
          expect(s.errors).toBe(0)
          expect(events.filter((e) => e._tag === "Retried")).toMatchObject([{ reason: "ProtocolChanged" }])
          expect(
            events.filter((e) => e._tag === "Adopted").map((e) => e._tag === "Adopted" && e.protocol)
          ).toEqual(["h2", "http/1.1"])
        }).pipe(Effect.provide(layer))
      })
  )
})

describe("fixed protocols", () => {
  it.scoped('"http1": an https origin that offers h2 too is spoken to over HTTP/1.1', () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, http1Handler: (_, res) => res.end("h1") })
      expect(yield* text(`https://localhost:${server.port}/`)).toBe("h1")
      expect(server.stats.requests).toBe(0)
      expect((yield* stats).h1.created).toBe(1)
    }).pipe(Effect.provide(Requests.layer({ tls: { ca: TestCerts.ca }, protocol: "http1" })))
  )

  it.scoped('"http2": an https origin that offers HTTP/1.1 too is spoken to over h2', () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, http1Handler: (_, res) => res.end("h1") })
      expect(yield* text(`https://localhost:${server.port}/bytes/2`)).toBe("ab")
      expect(server.stats.requests).toBe(1)
      expect((yield* stats).h1.created).toBe(0)
    }).pipe(Effect.provide(Requests.layer({ tls: { ca: TestCerts.ca }, protocol: "http2" })))
  )
})
