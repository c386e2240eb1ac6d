import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, type Events, Requests } from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Effect, Layer, Metric, Option } from "effect"

const lookup = Dialer.staticLookup({ localhost: "127.0.0.1" })
const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

const tags = (events: ReadonlyArray<Events.RequestsEvent>, endpoint: string) =>
  events.filter((e) => e.endpoint === endpoint).map((e) => e._tag)

/** Three requests, one after the other, on one connection of an origin. */
const threeOnOneConnection = (handshake: ReadonlyArray<string>) => [
  "Dns",
  "Connected",
  ...handshake,
  "RequestHeaders",
  "ResponseHeaders",
  "RequestHeaders",
  "Reused",
  "ResponseHeaders",
  "RequestHeaders",
  "Reused",
  "ResponseHeaders",
  "Released"
]

describe("events and per-origin figures", () => {
  it.scoped("one client, three servers: each origin's events and stats match what its server counted", () =>
    Effect.gen(function* () {
      // Offers both protocols; ALPN picks h2.
      const both = yield* Http2TestServer.make({ tls: true, http1Handler: (_, res) => res.end("h1") })
      const h1Tls = yield* HttpTestServer.make({ tls: true })
      const plain = yield* HttpTestServer.make()
      const origins = {
        both: `https://localhost:${both.port}`,
        h1Tls: `https://localhost:${h1Tls.port}`,
        plain: `http://localhost:${plain.port}`
      }
      const events: Array<Events.RequestsEvent> = []
      const layer = Requests.layer({
        tls: { ca: TestCerts.ca },
        lookup,
        events: (event) => events.push(event)
      })
      const stats = yield* Effect.scoped(
        Effect.gen(function* () {
          for (let i = 0; i < 3; i++) {
            expect(yield* text(`${origins.both}/bytes/2`)).toBe("ab")
            expect(yield* text(`${origins.h1Tls}/bytes/2`)).toBe("ab")
            expect(yield* text(`${origins.plain}/bytes/2`)).toBe("ab")
          }
          return yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
        }).pipe(Effect.provide(Layer.fresh(layer)))
      )
      yield* both.awaitClosedConnections(1)
      yield* h1Tls.awaitClosedConnections(1)
      yield* plain.awaitClosedConnections(1)

      expect(tags(events, origins.both)).toEqual(threeOnOneConnection(["TlsHandshake", "Adopted"]))
      expect(tags(events, origins.h1Tls)).toEqual(threeOnOneConnection(["TlsHandshake", "Adopted"]))
      expect(tags(events, origins.plain)).toEqual(threeOnOneConnection([]))

      const find = <T extends Events.RequestsEvent["_tag"]>(tag: T, endpoint: string) =>
        events.filter(
          (e): e is Extract<Events.RequestsEvent, { _tag: T }> => e._tag === tag && e.endpoint === endpoint
        )
      expect(find("TlsHandshake", origins.both)[0]).toMatchObject({
        alpnProtocol: "h2",
        tlsVersion: "TLSv1.3"
      })
      expect(find("TlsHandshake", origins.h1Tls)[0]).toMatchObject({ alpnProtocol: "http/1.1" })
      expect(find("Adopted", origins.both)[0]).toMatchObject({ protocol: "h2" })
      expect(find("Adopted", origins.h1Tls)[0]).toMatchObject({ protocol: "http/1.1" })
      expect(find("Released", origins.both)[0]).toMatchObject({ protocol: "h2", requests: 3 })
      expect(find("Released", origins.plain)[0]).toMatchObject({ protocol: "http/1.1", requests: 3 })
      expect(find("Dns", origins.plain)[0]).toMatchObject({ host: "localhost", addresses: ["127.0.0.1"] })
      for (const e of find("ResponseHeaders", origins.both))
        expect(e).toMatchObject({ protocol: "h2", status: 200 })

      // What the servers counted.
      expect(both.stats).toMatchObject({ connectionsOpened: 1, requests: 3 })
      expect(h1Tls.stats).toMatchObject({ connectionsOpened: 1, requests: 3 })
      expect(plain.stats).toMatchObject({ connectionsOpened: 1, requests: 3 })
      expect(stats.requestsMade).toBe(9)
      expect(stats.errors).toBe(0)
      expect(stats.h1).toMatchObject({ created: 2, reused: 4 })
      expect(Option.map(stats.h2, (h2) => h2.totalStreams)).toEqual(Option.some(3))
      expect(stats.origins.map((o) => [o.origin, o.protocol, o.requests, o.errors])).toEqual([
        [origins.h1Tls, "http/1.1", 3, 0],
        [origins.plain, "http/1.1", 3, 0],
        [origins.both, "h2", 3, 0]
      ])
    })
  )

  it.scoped("a failure is an event and an error in stats and metrics, tagged by origin and protocol", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const origin = `https://localhost:${server.port}`
      const events: Array<Events.RequestsEvent> = []
      const layer = Requests.layer({
        tls: { ca: TestCerts.ca },
        lookup,
        // The transport's own figures are under test: the retry battery would send the reset request again.
        retry: false,
        events: (event) => events.push(event)
      })
      const stats = yield* Effect.gen(function* () {
        yield* text(`${origin}/bytes/1`)
        // INTERNAL_ERROR (2): the stream was reset, the request fails.
        const failure = yield* Effect.flip(text(`${origin}/reset/2`))
        expect(failure).toMatchObject({ cause: { _tag: "StreamResetError", code: 2 } })
        return yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
      }).pipe(Effect.provide(Layer.fresh(layer)))
      expect(stats.errors).toBe(1)
      expect(stats.origins).toMatchObject([{ origin, protocol: "h2", requests: 2, errors: 1 }])
      expect(events.filter((e) => e._tag === "Failed")).toMatchObject([
        { endpoint: origin, protocol: "h2", error: { _tag: "StreamResetError" } }
      ])
      const counted = (name: string) =>
        Effect.map(Metric.snapshot, (pairs) => {
          for (const pair of pairs) {
            const tags = new Map(pair.metricKey.tags.map((t) => [t.key, t.value]))
            if (
              pair.metricKey.name === name &&
              tags.get("origin") === origin &&
              tags.get("protocol") === "h2"
            )
              return pair.metricState
          }
          return undefined
        })
      expect(yield* counted("effect_requests_errors")).toMatchObject({ count: 1 })
      expect(yield* counted("effect_requests_requests")).toMatchObject({ count: 2 })
    })
  )
})
