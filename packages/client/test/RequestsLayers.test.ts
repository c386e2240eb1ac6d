/**
 * The client is layers all the way down: `Requests.layerWithoutPools` over
 * pools, a router and a dialer that can each be replaced.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import {
  Dialer,
  Endpoint,
  type Events,
  Exchange,
  H1Pool,
  H2ConnectionPool,
  ProtocolRouter,
  Requests
} from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/** A hand-written HTTP/2 pool: it answers every exchange itself and remembers what it was asked. */
const mockH2 = (seen: Array<Exchange.Exchange>) =>
  Layer.succeed(H2ConnectionPool.H2ConnectionPool, {
    exchange: (exchange) =>
      Effect.sync(() => {
        seen.push(exchange)
        return Exchange.respond({
          status: 200,
          headers: { "Content-Type": "text/plain" },
          body: `${exchange.method} ${exchange.endpoint.authority}${exchange.target}`
        })
      }),
    adopt: () => Effect.void,
    coalesce: () => Effect.succeed(false),
    misdirected: () => Effect.void,
    warm: () => Effect.void,
    stats: Effect.sync(() => ({
      connections: 1,
      totalStreams: seen.length,
      activeStreams: 0,
      maxConcurrent: 100,
      refused: 0,
      resets: 0,
      goaways: 0
    })),
    flush: Effect.void
  })

/**
 * A dialer of one's own: every host is the loopback server's port, as a
 * hosts file or a service mesh sidecar would make it, and dials are counted.
 */
const pointedAt = (port: number, dials: { count: number }) =>
  Layer.effect(
    Dialer.Dialer,
    Effect.map(Dialer.Dialer, (real) => ({
      ...real,
      dial: (endpoint, request) => {
        dials.count++
        return real.dial({ ...endpoint, host: "127.0.0.1", port }, request)
      }
    }))
  ).pipe(Layer.provide(Dialer.Dialer.layer()))

describe("Requests.layerWithoutPools", () => {
  it.scoped("routes the client's HTTP/2 exchanges through a mock H2ConnectionPool", () =>
    Effect.gen(function* () {
      const seen: Array<Exchange.Exchange> = []
      const client = Requests.layerWithoutPools().pipe(
        Layer.provide(ProtocolRouter.ProtocolRouter.layer({ protocol: "h2c" })),
        Layer.provideMerge(Layer.merge(H1Pool.H1Pool.layer(), mockH2(seen))),
        Layer.provide(Dialer.Dialer.layer())
      )
      yield* Effect.gen(function* () {
        expect(yield* text("http://api.test/users?page=2")).toBe("GET api.test/users?page=2")
        const post = HttpClientRequest.post("https://api.test:8443/items").pipe(
          HttpClientRequest.bodyText("{}", "application/json")
        )
        const response = yield* HttpClient.execute(post)
        expect(yield* response.text).toBe("POST api.test:8443/items")
        expect(response.headers["content-type"]).toBe("text/plain")
        expect(seen.map((e) => [e.endpoint.key, e.body._tag])).toEqual([
          ["http://api.test:80", "Empty"],
          ["https://api.test:8443", "Bytes"]
        ])
        const stats = yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
        expect(Option.map(stats.h2, (s) => s.totalStreams)).toEqual(Option.some(2))
        expect(stats.origins.map((o) => [o.origin, o.protocol, o.requests])).toEqual([
          ["http://api.test:80", "h2", 1],
          ["https://api.test:8443", "h2", 1]
        ])
      }).pipe(Effect.provide(client))
    })
  )
})

describe("Requests.layerWithoutPools figures and events", () => {
  it.scoped("belong to its client alone: another client's requests are not in them", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const failures: Array<string> = []
      const withoutPools = (events?: Events.Listener) =>
        Requests.layerWithoutPools({ retry: false, ...(events === undefined ? {} : { events }) }).pipe(
          Layer.provide(ProtocolRouter.ProtocolRouter.layer()),
          Layer.provideMerge(Layer.merge(H1Pool.H1Pool.layer(), H2ConnectionPool.H2ConnectionPool.layer())),
          Layer.provide(Dialer.Dialer.layer())
        )
      const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)
      yield* Effect.gen(function* () {
        expect(yield* text(`${server.url}/bytes/1`)).toBe("a")
        expect(yield* text(`${server.url}/bytes/2`)).toBe("ab")
      }).pipe(Effect.provide(withoutPools()))
      const other = yield* Effect.gen(function* () {
        // Nothing listens on port 1: the request fails before any connection is made.
        yield* Effect.flip(text("http://127.0.0.1:1/"))
        return yield* stats
      }).pipe(
        Effect.provide(
          withoutPools((event) => void (event._tag === "Failed" && failures.push(event.endpoint)))
        )
      )
      expect(other).toMatchObject({ requestsMade: 1, errors: 1 })
      expect(other.origins.map((o) => o.origin)).toEqual(["http://127.0.0.1:1"])
      expect(failures).toEqual(["http://127.0.0.1:1"])
    })
  )
})

describe("a Dialer layer of one's own", () => {
  it.scoped("every connection of the pools comes from it", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const dials = { count: 0 }
      const client = Requests.layerWithoutPools().pipe(
        Layer.provide(ProtocolRouter.ProtocolRouter.layer()),
        Layer.provideMerge(Layer.merge(H1Pool.H1Pool.layer(), H2ConnectionPool.H2ConnectionPool.layer())),
        Layer.provide(pointedAt(server.port, dials))
      )
      yield* Effect.gen(function* () {
        for (let i = 0; i < 3; i++) expect(yield* text("http://service.internal/bytes/3")).toBe("abc")
        expect(dials.count).toBe(1)
        expect(server.stats.connectionsOpened).toBe(1)
      }).pipe(Effect.provide(client))
    })
  )

  it.scoped(
    "a request interrupted while its connection is dialed leaves the dial to serve the next: no permit lost, no second dial",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const dialing = yield* Deferred.make<void>()
        const go = yield* Deferred.make<void>()
        let dials = 0
        // The first dial waits for `go`, as a slow handshake would.
        const slow = Layer.effect(
          Dialer.Dialer,
          Effect.map(Dialer.Dialer, (real) => ({
            ...real,
            dial: (endpoint, request) =>
              ++dials === 1
                ? Effect.zipRight(
                    Effect.zipRight(Deferred.succeed(dialing, undefined), Deferred.await(go)),
                    real.dial(endpoint, request)
                  )
                : real.dial(endpoint, request)
          }))
        ).pipe(Layer.provide(Dialer.Dialer.layer()))
        // One connection per endpoint: a permit lost to the interrupted request would block every later one.
        const client = Requests.layerWithoutPools().pipe(
          Layer.provide(ProtocolRouter.ProtocolRouter.layer({ protocol: "http1" })),
          Layer.provideMerge(
            Layer.merge(
              H1Pool.H1Pool.layer({ maxConnectionsPerEndpoint: 1 }),
              H2ConnectionPool.H2ConnectionPool.layer()
            )
          ),
          Layer.provide(slow)
        )
        yield* Effect.gen(function* () {
          const first = yield* Effect.fork(text(`${server.url}/bytes/1`))
          yield* Deferred.await(dialing)
          yield* Fiber.interrupt(first)
          const second = yield* Effect.fork(text(`${server.url}/bytes/2`))
          yield* Deferred.succeed(go, undefined)
          expect(yield* Fiber.join(second)).toBe("ab")
          expect(dials).toBe(1)
          expect(server.stats).toMatchObject({ connectionsOpened: 1, requests: 1 })
          const stats = yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
          expect(stats.h1).toMatchObject({ open: 1, created: 1 })
        }).pipe(Effect.provide(client))
      })
  )
})

describe("per-origin figures", () => {
  it.scoped("count every attempt, HTTP/2 replays included", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      yield* server.resetFirstTry(7)
      const get = HttpClientRequest.get(`${server.url}/bytes/2`).pipe(
        HttpClientRequest.setHeader("x-request-id", "a")
      )
      expect(yield* Effect.flatMap(HttpClient.execute(get), (r) => r.text)).toBe("ab")
      const stats = yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
      expect(stats).toMatchObject({ requestsMade: 1, retries: 1, errors: 0 })
      expect(stats.origins).toEqual([
        expect.objectContaining({
          origin: Endpoint.fromUrl(new URL(server.url))!.key,
          protocol: "h2",
          requests: 2,
          errors: 0
        })
      ])
      expect(server.stats.requests).toBe(2)
    }).pipe(Effect.provide(Requests.layer({ tls: { ca: TestCerts.ca }, protocol: "http2" })))
  )
})
