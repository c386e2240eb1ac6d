import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Effect, Metric, Option } from "effect"

const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)

describe("choosing the protocol", () => {
  it.scoped('protocol "http2" multiplexes https requests over one HTTP/2 connection', () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const bodies = yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        () => Effect.flatMap(HttpClient.get(`https://localhost:${server.port}/bytes/26`), (r) => r.text),
        { concurrency: "unbounded" }
      )
      expect(new Set(bodies)).toEqual(new Set(["abcdefghijklmnopqrstuvwxyz"]))
      expect(server.stats.connectionsOpened).toBe(1)
      const s = yield* stats
      expect(
        Option.map(s.h2, (h2) => ({ connections: h2.connections, totalStreams: h2.totalStreams }))
      ).toEqual(Option.some({ connections: 1, totalStreams: 100 }))
      expect(s.h1.created).toBe(0)
    }).pipe(Effect.provide(Requests.layer({ protocol: "http2", tls: { ca: TestCerts.ca } })))
  )

  it.scoped('protocol "h2c" speaks HTTP/2 with prior knowledge to http URLs, bodies included', () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const echoed = yield* HttpClient.execute(
        HttpClientRequest.post(`${server.url}/echo`).pipe(
          HttpClientRequest.bodyText("over h2c", "text/plain")
        )
      ).pipe(Effect.flatMap((r) => r.json))
      expect(echoed).toMatchObject({ method: "POST", body: "over h2c" })
      expect(server.stats.sessionsOpened).toBe(1)
    }).pipe(Effect.provide(Requests.layer({ protocol: "h2c" })))
  )

  it.scoped('protocol "http2" leaves http URLs on HTTP/1.1, and h2 stats absent', () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      expect(yield* Effect.flatMap(HttpClient.get(`${server.url}/bytes/3`), (r) => r.text)).toBe("abc")
      const s = yield* stats
      expect(Option.isNone(s.h2)).toBe(true)
      expect(s.h1.created).toBe(1)
    }).pipe(Effect.provide(Requests.layer({ protocol: "http2" })))
  )

  it.scoped("the figures are published as Effect metrics, tagged by endpoint for HTTP/1.1", () =>
    Effect.gen(function* () {
      const h2Server = yield* Http2TestServer.make({ tls: true })
      const h1Server = yield* HttpTestServer.make()
      /** The HTTP/2 stream counter is one for the process: what it reads now. */
      const h2Streams = Effect.map(Metric.snapshot, (metrics) => {
        const pair = metrics.find((p) => p.metricKey.name === "effect_requests_h2_streams")
        const state = pair?.metricState as { readonly count?: number } | undefined
        return state?.count ?? 0
      })
      yield* stats
      const streamsBefore = yield* h2Streams
      const h2Get = Effect.flatMap(
        HttpClient.get(`https://localhost:${h2Server.port}/bytes/1`),
        (r) => r.text
      )
      yield* h2Get
      yield* stats
      yield* h2Get
      yield* h2Get
      yield* Effect.flatMap(HttpClient.get(`${h1Server.url}/bytes/1`), (r) => r.text)
      yield* stats
      // Published by difference at each read: three streams in all, none counted twice.
      expect((yield* h2Streams) - streamsBefore).toBe(3)
      const metrics = yield* Metric.snapshot
      const named = (name: string) => metrics.filter((pair) => pair.metricKey.name === name)
      const created = named("effect_requests_h1_connections_created").find((pair) =>
        pair.metricKey.tags.some(
          (tag) => tag.key === "endpoint" && tag.value === `http://127.0.0.1:${h1Server.port}`
        )
      )
      expect(created?.metricState).toMatchObject({ count: 1 })
    }).pipe(Effect.provide(Requests.layer({ protocol: "http2", tls: { ca: TestCerts.ca } })))
  )

  it.scoped("header injection over HTTP/2 is refused before a stream opens", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const attempts = [
        HttpClientRequest.get(`${server.url}/echo`).pipe(
          HttpClientRequest.setHeader("x-a", "v\r\nx-injected: 1")
        ),
        HttpClientRequest.get(`${server.url}/echo`).pipe(HttpClientRequest.setHeader("x-a", "v\u0001")),
        HttpClientRequest.get(`${server.url}/echo`).pipe(HttpClientRequest.setHeader("x-a\r\nx-b", "v")),
        HttpClientRequest.make("GET /" as "GET")(`${server.url}/echo`)
      ]
      for (const request of attempts) {
        const error = yield* Effect.flip(HttpClient.execute(request))
        expect(error).toMatchObject({ _tag: "RequestError", reason: "Encode" })
        expect((error.cause as { _tag: string })._tag).toBe("InvalidRequestError")
      }
      expect(server.stats.requests).toBe(0)
    }).pipe(Effect.provide(Requests.layer({ protocol: "h2c" })))
  )
})
