/**
 * The figures events and stats carry, checked by value: times under the
 * TestClock, to the millisecond, and whether a TLS session was resumed.
 */
import type * as http from "node:http"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, type Events, Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, TestCerts, Wait } from "@effect-requests/testing"
import { Deferred, Duration, Effect, Fiber, TestClock } from "effect"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)
const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)

const ofTag = <T extends Events.RequestsEvent["_tag"]>(events: ReadonlyArray<Events.RequestsEvent>, tag: T) =>
  events.filter((e): e is Extract<Events.RequestsEvent, { _tag: T }> => e._tag === tag)

describe("elapsed times under the TestClock", () => {
  it.scoped(
    "ResponseHeaders.elapsedMillis, stats.totalTime and the origin's time are the clock's moves",
    () =>
      Effect.gen(function* () {
        const held: Array<http.ServerResponse> = []
        const server = yield* HttpTestServer.make({ handler: (_, res) => void held.push(res) })
        const events: Array<Events.RequestsEvent> = []
        const answered = (n: number, millis: number) =>
          Effect.gen(function* () {
            const request = yield* Effect.fork(text(`${server.url}/`))
            yield* server.awaitRequests(n)
            yield* TestClock.adjust(millis)
            held[n - 1]!.end("ok")
            expect(yield* Fiber.join(request)).toBe("ok")
          })
        const s = yield* Effect.gen(function* () {
          yield* answered(1, 1234)
          yield* answered(2, 100)
          return yield* stats
        }).pipe(Effect.provide(Requests.layer({ events: (e) => events.push(e) })))
        expect(ofTag(events, "ResponseHeaders").map((e) => e.elapsedMillis)).toEqual([1234, 100])
        expect(Duration.toMillis(s.totalTime)).toBe(1334)
        expect(s.origins.map((o) => Duration.toMillis(o.totalTime))).toEqual([1334])
      })
  )

  it.scoped("ProxyConnected.elapsedMillis is the time the SOCKS proxy took to open the tunnel", () =>
    Effect.gen(function* () {
      const reached = yield* Deferred.make<void>()
      const go = yield* Deferred.make<void>()
      let connects = 0
      // A SOCKS5 proxy (RFC 1928, no authentication) that is its own origin: past the handshake it answers HTTP.
      const proxy = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          const greeting = yield* conn.readBytes(2)
          yield* conn.readBytes(greeting[1]!)
          yield* conn.write(Buffer.from([5, 0]))
          // CONNECT to a domain name: version, command, reserved, type 3, length, name, port.
          const connect = yield* conn.readBytes(5)
          yield* conn.readBytes(connect[4]! + 2)
          connects++
          yield* Deferred.succeed(reached, undefined)
          yield* Deferred.await(go)
          yield* conn.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]))
          yield* conn.readRequest
          yield* conn.write(RawServer.response(200, {}, "tunnelled"))
        })
      )
      const events: Array<Events.RequestsEvent> = []
      yield* Effect.gen(function* () {
        const request = yield* Effect.fork(text("http://origin.test/"))
        yield* Wait.within(Deferred.await(reached), {
          helper: "proxy",
          unit: "CONNECT",
          target: 1,
          seen: () => connects
        })
        yield* TestClock.adjust(750)
        yield* Deferred.succeed(go, undefined)
        expect(yield* Fiber.join(request)).toBe("tunnelled")
      }).pipe(
        Effect.provide(
          Requests.layer({ proxy: `socks5h://127.0.0.1:${proxy.port}`, events: (e) => events.push(e) })
        )
      )
      expect(ofTag(events, "ProxyConnected")).toMatchObject([{ mode: "socks", elapsedMillis: 750 }])
      expect(ofTag(events, "ResponseHeaders")).toMatchObject([{ status: 200, elapsedMillis: 750 }])
    })
  )
})

describe("TlsHandshake.resumed", () => {
  it.scoped("the second connection to an origin resumes the first one's TLS session", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const events: Array<Events.RequestsEvent> = []
      const origin = `https://localhost:${server.port}`
      yield* Effect.gen(function* () {
        expect(yield* text(`${origin}/bytes/2`)).toBe("ab")
        expect(yield* text(`${origin}/bytes/2`)).toBe("ab")
      }).pipe(
        Effect.provide(
          Requests.layer({
            tls: { ca: TestCerts.ca },
            lookup: Dialer.staticLookup({ localhost: "127.0.0.1" }),
            // One request per connection, so the second request needs a second handshake.
            h1: { maxUses: 1 },
            events: (e) => events.push(e)
          })
        )
      )
      expect(server.stats.connectionsOpened).toBe(2)
      expect(ofTag(events, "TlsHandshake").map((e) => e.resumed)).toEqual([false, true])
    })
  )
})
