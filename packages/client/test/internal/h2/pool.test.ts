import { HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, HttpTestServer, RawServer, Wait } from "@effect-requests/testing"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Scope, Stream, TestClock } from "effect"
import { ClientResponse } from "../../../src/internal/exchange/response.js"
import { CurrentObserver, Observer } from "../../../src/internal/observe/observer.js"
import { H2ConnectionPool } from "../../../src/H2ConnectionPool.js"
import * as Dialer from "../../../src/Dialer.js"
import { awaitTimer } from "../../helpers.js"
import { bytesBody, dialerLayer, endpointOf, fetchText, poolLayer, send, stats } from "./support.js"

describe("H2ConnectionPool basics", () => {
  it.scoped("speaks h2c with prior knowledge to an http endpoint", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const reply = yield* fetchText(`${server.url}/bytes/26`)
      expect(reply).toEqual({ status: 200, text: "abcdefghijklmnopqrstuvwxyz" })
      expect(server.stats.sessionsOpened).toBe(1)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("speaks HTTP/2 over TLS when the server selects h2 by ALPN", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const response = yield* send(`https://localhost:${server.port}/echo?q=1`)
      const echo = JSON.parse(new TextDecoder().decode(yield* response.body.readAll)) as Http2TestServer.Echo
      expect(echo).toMatchObject({
        method: "GET",
        path: "/echo?q=1",
        scheme: "https",
        authority: `localhost:${server.port}`
      })
      expect(response.remoteAddress).toBe("127.0.0.1")
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("a TLS server that does not select h2 is a typed ProtocolError", () =>
    Effect.gen(function* () {
      // Refuses h2 with the no_application_protocol alert.
      const h1 = yield* HttpTestServer.make({ tls: true })
      const refused = yield* Effect.flip(send(`https://localhost:${h1.port}/bytes/1`))
      expect(refused).toMatchObject({ _tag: "ProtocolError", protocol: "h2", reason: "AlpnMismatch" })
      // Completes the handshake without selecting any protocol.
      const silent = yield* RawServer.make((conn) => conn.closed, { tls: true })
      const unselected = yield* Effect.flip(send(`https://localhost:${silent.port}/`))
      expect(unselected).toMatchObject({ _tag: "ProtocolError", protocol: "h2", reason: "AlpnMismatch" })
      yield* silent.awaitClosedConnections(1)
      expect((yield* stats).connections).toBe(0)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped(
    "sends bodies and fields, drops connection-specific ones, sends Host as :authority, keeps set-cookie apart",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const response = yield* send(`${server.url}/echo`, {
          method: "POST",
          headers: { "x-a": "1", connection: "keep-alive", "transfer-encoding": "chunked", host: "evil" },
          body: bytesBody("hello", "text/plain")
        })
        const echo = JSON.parse(
          new TextDecoder().decode(yield* response.body.readAll)
        ) as Http2TestServer.Echo
        expect(echo.method).toBe("POST")
        expect(echo.body).toBe("hello")
        expect(echo.headers["x-a"]).toBe("1")
        expect(echo.headers["content-type"]).toBe("text/plain")
        expect(echo.headers["content-length"]).toBe("5")
        expect(echo.headers["connection"]).toBeUndefined()
        expect(echo.headers["host"]).toBeUndefined()
        expect(echo.authority).toBe("evil")
        const cookies = yield* send(`${server.url}/set-cookie`)
        expect(cookies.head.setCookie).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"])
        expect(cookies.head.headers["set-cookie"]).toBeUndefined()
        const streamed = yield* send(`${server.url}/echo`, {
          method: "PUT",
          body: {
            _tag: "Stream",
            stream: Stream.make("a", "b", "c").pipe(Stream.encodeText),
            length: undefined,
            contentType: undefined
          }
        })
        const echoed = JSON.parse(
          new TextDecoder().decode(yield* streamed.body.readAll)
        ) as Http2TestServer.Echo
        expect(echoed.body).toBe("abc")
        const head = yield* send(`${server.url}/bytes/1024`, { method: "HEAD" })
        expect(head.head.headers["content-length"]).toBe("1024")
        expect((yield* head.body.readAll).byteLength).toBe(0)
        const notFound = yield* fetchText(`${server.url}/status/404`)
        expect(notFound.status).toBe(404)
        // Every exchange above was multiplexed on the one connection.
        expect(server.stats.sessionsOpened).toBe(1)
      }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("refuses a header value with CR or LF before anything is sent", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const error = yield* Effect.flip(send(`${server.url}/echo`, { headers: { "x-a": "v\r\nx-b: 1" } }))
      expect(error).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidHeaderValue" })
      expect(server.stats.requests).toBe(0)
      expect((yield* stats).activeStreams).toBe(0)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("its responses work behind the platform's HttpClientResponse", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const url = `${server.url}/bytes/100000`
      const response = yield* send(url)
      const wrapped = new ClientResponse(
        HttpClientRequest.get(url),
        response.head,
        response.body,
        response.remoteAddress
      )
      const chunks = yield* Stream.runCollect(wrapped.stream)
      let total = 0
      for (const c of chunks) total += c.byteLength
      expect(total).toBe(100000)
      expect(wrapped.headers["content-length"]).toBe("100000")
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("adopts an established socket instead of dialing", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const pool = yield* H2ConnectionPool
      const dialer = yield* Dialer.Dialer
      const endpoint = endpointOf(`https://localhost:${server.port}`)
      const scope = yield* Scope.make()
      const dialed = yield* Scope.extend(dialer.dial(endpoint, { alpnProtocols: ["h2"] }), scope)
      yield* pool.adopt(endpoint, dialed, scope)
      const reply = yield* fetchText(`https://localhost:${server.port}/bytes/5`)
      expect(reply.text).toBe("abcde")
      expect(server.stats.connectionsOpened).toBe(1)
      expect((yield* stats).connections).toBe(1)
    }).pipe(Effect.provide(Layer.merge(poolLayer(), dialerLayer)))
  )

  it.scoped("stats match what the server counted", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 50 })
      for (let i = 0; i < 5; i++) yield* fetchText(`${server.url}/bytes/10`)
      yield* server.resetFirstTry(7)
      yield* fetchText(`${server.url}/bytes/10`, { headers: { "x-request-id": "retried" } })
      yield* server.resetFirstTry(undefined)
      yield* Effect.flip(send(`${server.url}/reset/2`))
      yield* Effect.flip(send(`${server.url}/reset/13`))
      const held = yield* Effect.fork(fetchText(`${server.url}/hold/h`))
      yield* server.awaitRequests(10)
      const seen = server.streams
      expect(yield* stats).toEqual({
        connections: server.stats.openSessions,
        totalStreams: server.stats.requests,
        activeStreams: seen.filter((s) => !s.closed).length,
        maxConcurrent: 50,
        refused: seen.filter((s) => s.rstCode === 7).length,
        resets: seen.filter((s) => s.rstCode === 2 || s.rstCode === 13).length,
        goaways: 0
      })
      expect(yield* stats).toMatchObject({
        connections: 1,
        totalStreams: 10,
        activeStreams: 1,
        refused: 1,
        resets: 2
      })
      yield* server.goaway()
      yield* server.release()
      yield* Fiber.join(held)
      yield* server.awaitClosedConnections(1)
      expect(yield* stats).toMatchObject({ activeStreams: 0, maxConcurrent: 0, goaways: 1 })
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("flush closes idle connections and lets busy ones drain, each with our GOAWAY", () =>
    Effect.gen(function* () {
      const idle = yield* Http2TestServer.make()
      const busy = yield* Http2TestServer.make()
      yield* fetchText(`${idle.url}/bytes/1`)
      const held = yield* Effect.fork(fetchText(`${busy.url}/hold/k`))
      yield* busy.awaitRequests(1)
      yield* Effect.flatMap(H2ConnectionPool, (pool) => pool.flush)
      yield* idle.awaitSessionsClosed(1)
      expect(idle.sessions[0]!.goaway).toMatchObject({ code: 0 })
      expect(yield* stats).toMatchObject({ connections: 1, activeStreams: 1, maxConcurrent: 0 })
      // The draining connection takes no new stream: this one opens another.
      expect((yield* fetchText(`${busy.url}/bytes/2`)).text).toBe("ab")
      expect(busy.stats.sessionsOpened).toBe(2)
      expect(busy.sessions[0]!.goaway).toMatchObject({ code: 0 })
      expect(busy.sessions[0]!.closed).toBe(false)
      yield* busy.release()
      expect((yield* Fiber.join(held)).text).toBe("k")
      yield* busy.awaitSessionsClosed(1)
      expect(busy.sessions[0]!.closed).toBe(true)
      // Only the new connection takes streams; its server announced no limit.
      expect(yield* stats).toMatchObject({ activeStreams: 0, maxConcurrent: 2 ** 31 - 1 })
    }).pipe(Effect.provide(poolLayer()))
  )

  /** Four requests held by the server on h2c, one finished on TLS, in a layer whose scope the test closes. */
  const inFlightAtClose = Effect.gen(function* () {
    const server = yield* Http2TestServer.make({ maxConcurrentStreams: 2 })
    const tls = yield* Http2TestServer.make({ tls: true })
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(poolLayer({ closeTimeout: "7 seconds" }), scope)
    yield* fetchText(`https://localhost:${tls.port}/bytes/1`).pipe(Effect.provide(context))
    const requests = yield* Effect.fork(
      Effect.all(
        Array.from({ length: 4 }, (_, i) => Effect.either(fetchText(`${server.url}/hold/k${i}`))),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(context))
    )
    yield* server.awaitRequests(4)
    expect(server.stats.sessionsOpened).toBe(2)
    const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
    // The close waits on its deadline: GOAWAY has gone out and the streams are left to finish.
    yield* awaitTimer("7 seconds")
    return { server, tls, requests, closing }
  })

  const allClosed = (server: Http2TestServer.Http2TestServer, tls: Http2TestServer.Http2TestServer) =>
    Effect.gen(function* () {
      yield* server.awaitClosedConnections(2)
      yield* tls.awaitClosedConnections(1)
      yield* server.awaitSessionsClosed(2)
      yield* tls.awaitSessionsClosed(1)
      expect(server.stats).toMatchObject({ openConnections: 0, openSessions: 0 })
      expect(tls.stats).toMatchObject({ openConnections: 0, openSessions: 0 })
      for (const session of [...server.sessions, ...tls.sessions])
        expect(session.goaway).toMatchObject({ code: 0 })
    })

  it.scoped("closing the layer sends GOAWAY and lets the streams in flight finish", () =>
    Effect.gen(function* () {
      const { server, tls, requests, closing } = yield* inFlightAtClose
      yield* server.release()
      const outcomes = yield* Fiber.join(requests)
      for (const [i, outcome] of outcomes.entries()) {
        expect(outcome).toMatchObject({ _tag: "Right", right: { status: 200, text: `k${i}` } })
      }
      yield* Fiber.join(closing)
      yield* allClosed(server, tls)
    })
  )

  it.scoped(
    "a connection that closed before the pool did leaves the pool's close waiting for the others",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(poolLayer({ closeTimeout: "7 seconds" }), scope)
        yield* fetchText(`${server.url}/bytes/1`).pipe(Effect.provide(context))
        yield* Effect.flatMap(H2ConnectionPool, (pool) => pool.flush).pipe(Effect.provide(context))
        yield* server.awaitSessionsClosed(1)
        // The first connection's end came while the pool was open: it is not the pool's last.
        const held = yield* Effect.fork(fetchText(`${server.url}/hold/k`).pipe(Effect.provide(context)))
        yield* server.awaitRequests(2)
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* awaitTimer("7 seconds")
        yield* server.release()
        expect((yield* Fiber.join(held)).text).toBe("k")
        yield* Fiber.join(closing)
        yield* server.awaitSessionsClosed(2)
      })
  )

  it.scoped("the pool's close waits for its busy connection even once its idle one has ended", () =>
    Effect.gen(function* () {
      const idle = yield* Http2TestServer.make()
      const busy = yield* Http2TestServer.make()
      const idleReleased = yield* Deferred.make<void>()
      let released = 0
      const observer = new Observer(
        (event) => {
          if (event._tag !== "Released" || event.endpoint !== idle.url) return
          released++
          Deferred.unsafeDone(idleReleased, Exit.void)
        },
        () => 0
      )
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        poolLayer({ closeTimeout: "7 seconds" }).pipe(
          Layer.provide(Layer.succeed(CurrentObserver, observer))
        ),
        scope
      )
      yield* fetchText(`${idle.url}/bytes/1`).pipe(Effect.provide(context))
      const held = yield* Effect.fork(fetchText(`${busy.url}/hold/k`).pipe(Effect.provide(context)))
      yield* busy.awaitRequests(1)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* awaitTimer("7 seconds")
      // The idle connection ends on its GOAWAY at once; the pool still has the busy one to wait for.
      yield* Wait.within(Deferred.await(idleReleased), {
        helper: "idleReleased",
        unit: "released connection",
        target: 1,
        seen: () => released
      })
      yield* busy.release()
      expect((yield* Fiber.join(held)).text).toBe("k")
      yield* Fiber.join(closing)
      yield* busy.awaitSessionsClosed(1)
    })
  )

  it.scoped("once closed, it refuses exchanges and warming with ClientClosedError and dials nothing", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      let dials = 0
      const counting = Layer.effect(
        Dialer.Dialer,
        Effect.map(Dialer.Dialer, (real) => ({
          ...real,
          dial: (endpoint, request) => {
            dials++
            return real.dial(endpoint, request)
          }
        }))
      ).pipe(Layer.provide(dialerLayer))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(poolLayer({}, counting), scope)
      yield* fetchText(`${server.url}/bytes/1`).pipe(Effect.provide(context))
      yield* Scope.close(scope, Exit.void)
      const refused = yield* Effect.flip(send(`${server.url}/bytes/1`).pipe(Effect.provide(context)))
      expect(refused).toMatchObject({ _tag: "ClientClosedError", endpoint: server.url })
      const pool = Context.get(context, H2ConnectionPool)
      const cold = yield* Effect.flip(pool.warm(endpointOf(server.url), 1))
      expect(cold).toMatchObject({ _tag: "ClientClosedError", endpoint: server.url })
      expect(dials).toBe(1)
      expect(server.stats.connectionsOpened).toBe(1)
    })
  )

  it.scoped(
    "past closeTimeout the streams still in flight fail with ClientClosedError and every socket closes",
    () =>
      Effect.gen(function* () {
        const { server, tls, requests, closing } = yield* inFlightAtClose
        yield* TestClock.adjust("7 seconds")
        yield* Fiber.join(closing)
        const outcomes = yield* Fiber.join(requests)
        for (const outcome of outcomes) {
          expect(outcome._tag === "Left" && outcome.left).toMatchObject({ _tag: "ClientClosedError" })
        }
        yield* allClosed(server, tls)
      })
  )
})
