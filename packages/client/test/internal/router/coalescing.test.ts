import type * as http2 from "node:http2"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, type Events, Requests } from "@effect-requests/client"
import { Http2TestServer, TestCerts, Wait } from "@effect-requests/testing"
import { Effect, Option } from "effect"
import { eventLoopTurn } from "../../helpers.js"

const lookup = Dialer.staticLookup({
  "a.test": "127.0.0.1",
  "b.test": "127.0.0.1",
  "x.wild.test": "127.0.0.1"
})

const clientWith = (options: Requests.Options = {}) =>
  Requests.layer({ tls: { ca: TestCerts.ca }, lookup, ...options })

const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)
const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)
const h2Connections = Effect.map(stats, (s) =>
  Option.getOrElse(
    Option.map(s.h2, (h2) => h2.connections),
    () => 0
  )
)

/** Waits, turn by turn, until the client holds no HTTP/2 connection. */
const noH2Connection = Effect.gen(function* () {
  let held = yield* h2Connections
  yield* Wait.within(
    Effect.gen(function* () {
      while ((held = yield* h2Connections) > 0) yield* eventLoopTurn
    }),
    { helper: "noH2Connection", unit: "open connection left", target: 0, seen: () => held }
  )
})

/** Answers with the request's authority, so a test sees which origin the server was asked for. */
const authorityEcho = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
  stream.respond({ ":status": 200 })
  stream.end(String(headers[":authority"]))
}

describe("connection coalescing", () => {
  it.scoped("a.test and b.test on one address, a certificate naming both: one HTTP/2 connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      expect(yield* text(`https://a.test:${server.port}/`)).toBe(`a.test:${server.port}`)
      expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
      // A wildcard name counts as well.
      expect(yield* text(`https://x.wild.test:${server.port}/`)).toBe(`x.wild.test:${server.port}`)
      expect(server.stats.connectionsOpened).toBe(1)
      expect(server.stats.requests).toBe(3)
      const s = yield* stats
      expect(Option.map(s.h2, (h2) => h2.connections)).toEqual(Option.some(1))
      expect(s.origins.map((o) => [o.origin, o.protocol, o.requests])).toEqual([
        [`https://a.test:${server.port}`, "h2", 1],
        [`https://b.test:${server.port}`, "h2", 1],
        [`https://x.wild.test:${server.port}`, "h2", 1]
      ])
    }).pipe(Effect.provide(clientWith()))
  )

  it.scoped("b.test resolving to another address is not coalesced, though the certificate names it", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      expect(yield* text(`https://a.test:${server.port}/`)).toBe(`a.test:${server.port}`)
      // Nothing listens on 127.0.0.2: b.test's own dial is refused, where coalescing would have answered.
      const refused = yield* Effect.flip(text(`https://b.test:${server.port}/`))
      expect(refused).toMatchObject({
        _tag: "RequestError",
        cause: { _tag: "ConnectError", code: "ECONNREFUSED" }
      })
      expect(server.stats).toMatchObject({ connectionsOpened: 1, requests: 1 })
    }).pipe(
      Effect.provide(
        // No retries: the refused dial is the answer, not something to try again under TestClock.
        clientWith({
          lookup: Dialer.staticLookup({ "a.test": "127.0.0.1", "b.test": "127.0.0.2" }),
          retry: false
        })
      )
    )
  )

  it.scoped("a certificate naming only a.test: b.test gets a connection of its own", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: TestCerts.leafAOnly, handler: authorityEcho })
      expect(yield* text(`https://a.test:${server.port}/`)).toBe(`a.test:${server.port}`)
      // b.test's own handshake then fails verification: the certificate does not name it.
      const refused = yield* Effect.flip(text(`https://b.test:${server.port}/`))
      expect(refused).toMatchObject({ _tag: "RequestError", cause: { _tag: "TlsError" } })
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(clientWith()))
  )

  it.scoped("turned off, every origin gets its own connection", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      yield* text(`https://a.test:${server.port}/`)
      yield* text(`https://b.test:${server.port}/`)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(clientWith({ h2: { coalescing: false } })))
  )

  it.scoped("never with certificate verification off", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      yield* text(`https://a.test:${server.port}/`)
      yield* text(`https://b.test:${server.port}/`)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(Requests.layer({ lookup, tls: { rejectUnauthorized: false } })))
  )

  it.scoped("an ORIGIN frame that does not list b.test keeps it off the connection", () =>
    Effect.gen(function* () {
      const listed = yield* Http2TestServer.make({
        tls: true,
        handler: authorityEcho,
        origins: ["https://a.test"]
      })
      yield* text(`https://a.test:${listed.port}/`)
      yield* text(`https://b.test:${listed.port}/`)
      expect(listed.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(clientWith()))
  )

  it.scoped("an ORIGIN frame listing b.test lets it share the connection", () =>
    Effect.gen(function* () {
      const listed = yield* Http2TestServer.make({
        tls: true,
        handler: authorityEcho,
        origins: (port) => [`https://a.test:${port}`, `https://b.test:${port}`]
      })
      yield* text(`https://a.test:${listed.port}/`)
      expect(yield* text(`https://b.test:${listed.port}/`)).toBe(`b.test:${listed.port}`)
      expect(listed.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(clientWith()))
  )

  it.scoped("421 on the coalesced connection: sent again on b.test's own connection", () =>
    Effect.gen(function* () {
      // Each session serves only the authority of its first request, like a server whose virtual hosts differ.
      const firstAuthority = new WeakMap<http2.Http2Session, string>()
      const server = yield* Http2TestServer.make({
        tls: true,
        handler: (stream, headers) => {
          const authority = String(headers[":authority"])
          const session = stream.session!
          if (!firstAuthority.has(session)) firstAuthority.set(session, authority)
          if (firstAuthority.get(session) !== authority) {
            stream.respond({ ":status": 421 })
            return stream.end()
          }
          authorityEcho(stream, headers)
        }
      })
      const events: Array<Events.RequestsEvent> = []
      const program = Effect.gen(function* () {
        expect(yield* text(`https://a.test:${server.port}/`)).toBe(`a.test:${server.port}`)
        expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
        // From then on b.test stays on its own connection.
        expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
        return yield* stats
      })
      const s = yield* program.pipe(Effect.provide(clientWith({ events: (event) => events.push(event) })))
      expect(server.stats.connectionsOpened).toBe(2)
      expect(server.stats.requests).toBe(4)
      expect(s.retries).toBe(1)
      expect(s.errors).toBe(0)
      const b = `https://b.test:${server.port}`
      expect(events.filter((e) => e.endpoint === b).map((e) => e._tag)).toEqual([
        // Resolved before choosing to share a.test's connection.
        "Dns",
        "Coalesced",
        "RequestHeaders",
        "Retried",
        "Dns",
        "Connected",
        "TlsHandshake",
        "Adopted",
        "RequestHeaders",
        "ResponseHeaders",
        "RequestHeaders",
        "Reused",
        "ResponseHeaders",
        "Released"
      ])
      const a = `https://a.test:${server.port}`
      expect(events.filter((e) => e._tag === "Coalesced")).toEqual([
        { _tag: "Coalesced", endpoint: b, onto: a }
      ])
      expect(events.filter((e) => e._tag === "Retried")).toEqual([
        { _tag: "Retried", endpoint: b, protocol: "h2", reason: "Misdirected" }
      ])
    })
  )

  it.scoped("b.test, once its own connection is gone, shares a.test's connection opened since", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
      yield* Effect.flatMap(Requests.Requests, (r) => r.flush)
      yield* noH2Connection
      expect(yield* text(`https://a.test:${server.port}/`)).toBe(`a.test:${server.port}`)
      expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(clientWith()))
  )
})
