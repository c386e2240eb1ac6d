import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, LeakCheck, TestCerts } from "@effect-requests/testing"
import { Effect, Either, Exit, Fiber, Layer, Option, Scope, TestClock } from "effect"
import { awaitTimer } from "./helpers.js"

const requests = Effect.flatMap(Requests.Requests, (r) => Effect.succeed(r))
const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)
const ca = { ca: TestCerts.ca }

describe("Requests.warm and flush", () => {
  it.scoped("warm opens the connections before the first request, in the protocol the origin speaks", () =>
    Effect.gen(function* () {
      const h2 = yield* Http2TestServer.make({ tls: true })
      const h1 = yield* HttpTestServer.make({ tls: true })
      const client = yield* requests
      yield* client.warm(`https://localhost:${h2.port}/`)
      yield* client.warm(`https://localhost:${h1.port}/`, { connections: 3 })
      // The servers saw the connections before any request.
      expect(h2.stats).toMatchObject({ connectionsOpened: 1, requests: 0 })
      expect(h1.stats).toMatchObject({ connectionsOpened: 3, requests: 0 })
      const before = yield* client.stats
      expect(before.h1).toMatchObject({ open: 3, idle: 3 })
      expect(Option.map(before.h2, (s) => s.connections)).toEqual(Option.some(1))
      // Warming again is a no-op: the connections are there.
      yield* client.warm(`https://localhost:${h1.port}/`, { connections: 3 })
      yield* Effect.all(
        Array.from({ length: 3 }, () => text(`https://localhost:${h1.port}/bytes/1`)),
        { concurrency: "unbounded" }
      )
      yield* Effect.all(
        Array.from({ length: 20 }, () => text(`https://localhost:${h2.port}/bytes/1`)),
        { concurrency: "unbounded" }
      )
      expect(h1.stats.connectionsOpened).toBe(3)
      expect(h2.stats.connectionsOpened).toBe(1)
      expect((yield* client.stats).h1.created).toBe(3)
    }).pipe(Effect.provide(Requests.layer({ tls: ca })))
  )

  it.scoped("warm with a fixed protocol, and its failures typed", () =>
    Effect.gen(function* () {
      const h2 = yield* Http2TestServer.make({ tls: true })
      const client = yield* requests
      yield* client.warm(`https://localhost:${h2.port}/`, { connections: 2 })
      expect(h2.stats.connectionsOpened).toBe(2)
      const refused = yield* Effect.flip(client.warm("https://localhost:1/"))
      expect(refused).toMatchObject({ _tag: "ConnectError", code: "ECONNREFUSED" })
      const invalid = yield* Effect.flip(client.warm("ftp://localhost/"))
      expect(invalid).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidUrl" })
    }).pipe(Effect.provide(Requests.layer({ tls: ca, protocol: "http2" })))
  )

  it.scoped("flush closes idle connections of both pools", () =>
    Effect.gen(function* () {
      const h2 = yield* Http2TestServer.make({ tls: true })
      const h1 = yield* HttpTestServer.make()
      const client = yield* requests
      yield* client.warm(`https://localhost:${h2.port}/`)
      yield* client.warm(h1.url, { connections: 2 })
      yield* client.flush
      yield* h1.awaitClosedConnections(2)
      yield* h2.awaitClosedConnections(1)
      expect((yield* client.stats).h1.open).toBe(0)
    }).pipe(Effect.provide(Requests.layer({ tls: ca })))
  )
})

describe("closing the layer", () => {
  /**
   * 25 requests held by an h2 server and 25 by an HTTP/1.1-only TLS server,
   * in flight on a client whose layer the test then closes.
   */
  const fiftyInFlight = Effect.gen(function* () {
    const h2 = yield* Http2TestServer.make({ tls: true })
    const held: Array<() => void> = []
    const h1 = yield* HttpTestServer.make({
      tls: true,
      handler: (req, res) => {
        req.resume()
        held.push(() => res.end("h1"))
      }
    })
    const baseline = yield* LeakCheck.snapshot
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      Requests.layer({
        tls: ca,
        h1: { closeTimeout: "7 seconds", maxConnectionsPerEndpoint: 25 },
        h2: { closeTimeout: "7 seconds" }
      }),
      scope
    )
    const inFlight = yield* Effect.fork(
      Effect.all(
        [
          ...Array.from({ length: 25 }, (_, i) => text(`https://localhost:${h2.port}/hold/k${i}`)),
          ...Array.from({ length: 25 }, () => text(`https://localhost:${h1.port}/`))
        ].map(Effect.either),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(context))
    )
    yield* h2.awaitRequests(25)
    yield* h1.awaitRequests(25)
    const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
    // Both pools wait on their deadline: GOAWAY is out, nothing new is accepted, the exchanges run on.
    yield* awaitTimer("7 seconds")
    const release = Effect.zipRight(
      h2.release(),
      Effect.sync(() => held.forEach((answer) => answer()))
    )
    return { h2, h1, baseline, inFlight, closing, release }
  })

  it.scoped("50 requests in flight on both protocols complete, then every socket closes", () =>
    Effect.gen(function* () {
      const { h2, h1, baseline, inFlight, closing, release } = yield* fiftyInFlight
      yield* release
      const outcomes = yield* Fiber.join(inFlight)
      expect(outcomes.filter(Either.isRight)).toHaveLength(50)
      yield* Fiber.join(closing)
      yield* h2.awaitClosedConnections(1)
      yield* h1.awaitClosedConnections(h1.stats.connectionsOpened)
      expect(h2.sessions[0]?.goaway).toMatchObject({ code: 0 })
      yield* LeakCheck.assertNoLeaks(baseline)
    })
  )

  it.scoped(
    "past the deadline, the requests still in flight fail with a typed error and every socket closes",
    () =>
      Effect.gen(function* () {
        const { h2, h1, baseline, inFlight, closing } = yield* fiftyInFlight
        yield* TestClock.adjust("7 seconds")
        yield* Fiber.join(closing)
        const outcomes = yield* Fiber.join(inFlight)
        for (const outcome of outcomes) {
          expect(outcome).toMatchObject({ _tag: "Left", left: { cause: { _tag: "ClientClosedError" } } })
        }
        yield* h2.awaitClosedConnections(1)
        yield* h1.awaitClosedConnections(h1.stats.connectionsOpened)
        yield* LeakCheck.assertNoLeaks(baseline)
      })
  )
})
