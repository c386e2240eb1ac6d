import * as net from "node:net"
import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, Wait } from "@effect-requests/testing"
import { Chunk, Clock, Deferred, Effect, Exit, Fiber, Layer, Scope, TestClock } from "effect"
import { awaitTimer } from "../../helpers.js"
import { eventLoopTurn } from "../../helpers.js"

const get = (url: string, id?: string) =>
  HttpClient.execute(
    id === undefined
      ? HttpClientRequest.get(url)
      : HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("x-request-id", id))
  ).pipe(Effect.flatMap((r) => r.text))

const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)

const causeOf = (error: unknown) =>
  error instanceof HttpClientError.RequestError ? (error.cause as { readonly _tag: string }) : undefined

/** A keep-alive response echoing the request id, as a script writes it. */
const echoId = (id: string | undefined, extra: Record<string, string> = {}) =>
  RawServer.response(200, { "X-Request-Id": id ?? "", ...extra }, id ?? "")

/** Counts request ids a server processed, for exactly-once checks. */
const idCounter = () => {
  const seen = new Map<string, number>()
  return {
    seen,
    record: (id: string | undefined) => {
      if (id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1)
    }
  }
}

/** A server that keeps idle connections far longer than a test: only the client can close one. */
const keepingServer = HttpTestServer.make({ keepAliveTimeout: 600_000 })

describe("H1Pool limits", () => {
  it.scoped("100 sequential requests use one connection; stats count the reuse", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      for (let i = 0; i < 100; i++) yield* get(`${server.url}/bytes/64`)
      expect(server.stats.connectionsOpened).toBe(1)
      const s = yield* stats
      expect(s.h1).toMatchObject({
        open: 1,
        idle: 1,
        inUse: 0,
        created: 1,
        reused: 99,
        closed: 0,
        waiting: 0
      })
      expect(s.h1.endpoints[`http://127.0.0.1:${server.port}`]?.created).toBe(1)
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("200 concurrent requests never hold more than maxConnectionsPerEndpoint open", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const bodies = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) => get(`${server.url}/echo`, String(i)),
        { concurrency: "unbounded" }
      )
      expect(bodies).toHaveLength(200)
      expect(server.stats.peakOpenConnections).toBeLessThanOrEqual(10)
      expect(server.stats.connectionsOpened).toBeLessThanOrEqual(10)
      expect([...server.requestIds.values()].every((n) => n === 1)).toBe(true)
      expect(server.requestIds.size).toBe(200)
    }).pipe(Effect.provide(Requests.layer({ h1: { maxConnectionsPerEndpoint: 10 } })))
  )

  it.scoped(
    "maxConnections caps connections across endpoints by closing the least recently used idle one",
    () =>
      Effect.gen(function* () {
        const [a, b, c] = yield* Effect.all([keepingServer, keepingServer, keepingServer])
        // Without a connection closed for it, a request would wait for a permit that never comes.
        const within = (url: string) =>
          Wait.within(get(url), {
            helper: "request under maxConnections",
            unit: "response",
            target: 1,
            seen: () => 0
          })
        yield* get(`${a.url}/bytes/1`)
        yield* get(`${b.url}/bytes/1`)
        yield* TestClock.adjust("1 second")
        yield* get(`${a.url}/bytes/1`)
        // b's connection has been idle the longest.
        yield* within(`${c.url}/bytes/1`)
        yield* b.awaitClosedConnections(1)
        expect([a.closedConnections, c.closedConnections]).toEqual([0, 0])
        yield* TestClock.adjust("1 second")
        yield* get(`${c.url}/bytes/1`)
        // Now a's.
        yield* within(`${b.url}/bytes/1`)
        yield* a.awaitClosedConnections(1)
        expect([b.closedConnections, c.closedConnections]).toEqual([1, 0])
        const s = yield* stats
        expect(s.h1).toMatchObject({ open: 2, created: 4, closed: 2 })
        expect(s.h1.endpoints[`http://127.0.0.1:${a.port}`]?.closed).toBe(1)
      }).pipe(Effect.provide(Requests.layer({ h1: { maxConnections: 2 } })))
  )

  it.scoped(
    "under maxConnections, a connection that closed frees its place: no idle one is closed for the next",
    () =>
      Effect.gen(function* () {
        const a = yield* keepingServer
        // Closes each connection after its answer.
        const b = yield* RawServer.make((conn) =>
          Effect.zipRight(conn.readRequest, conn.write(RawServer.response(200, { Connection: "close" }, "b")))
        )
        yield* get(`${a.url}/bytes/1`)
        expect(yield* get(`${b.url}/`)).toBe("b")
        expect(yield* get(`${b.url}/`)).toBe("b")
        expect(yield* get(`${b.url}/`)).toBe("b")
        yield* get(`${a.url}/bytes/1`)
        expect(a.stats.connectionsOpened).toBe(1)
        expect(a.closedConnections).toBe(0)
      }).pipe(Effect.provide(Requests.layer({ h1: { maxConnections: 2 } })))
  )

  it.scoped(
    "under maxConnections, an idle connection the server closed is not the one closed to make room",
    () =>
      Effect.gen(function* () {
        const closeIdle = yield* Deferred.make<void>()
        // Answers once, then closes the idle connection when told.
        const a = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            yield* conn.readRequest
            yield* conn.write(RawServer.response(200, {}, "a"))
            yield* Deferred.await(closeIdle)
          })
        )
        const [b, c, d] = yield* Effect.all([keepingServer, keepingServer, keepingServer])
        expect(yield* get(`${a.url}/`)).toBe("a")
        yield* TestClock.adjust("1 second")
        yield* get(`${b.url}/bytes/1`)
        yield* Deferred.succeed(closeIdle, undefined)
        yield* a.awaitClosedConnections(1)
        yield* Wait.within(
          Effect.gen(function* () {
            while ((yield* stats).h1.open !== 1) yield* eventLoopTurn
          }),
          {
            helper: "client's view of the closed connection",
            unit: "open connection",
            target: 1,
            seen: () => 0
          }
        )
        yield* TestClock.adjust("1 second")
        yield* get(`${c.url}/bytes/1`)
        // Two open, b's idle the longest: it is closed for d.
        yield* Wait.within(get(`${d.url}/bytes/1`), {
          helper: "request under maxConnections",
          unit: "response",
          target: 1,
          seen: () => 0
        })
        yield* b.awaitClosedConnections(1)
        expect(c.closedConnections).toBe(0)
      }).pipe(Effect.provide(Requests.layer({ h1: { maxConnections: 2 } })))
  )

  it.scoped("maxUses retires a connection after that many exchanges", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      for (let i = 0; i < 7; i++) yield* get(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(3)
    }).pipe(Effect.provide(Requests.layer({ h1: { maxUses: 3 } })))
  )

  it.scoped(
    "acquireTimeout fails a request that gets no connection in time, and waiters leak no permits",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const held = yield* Effect.forEach([1, 2], () => Effect.fork(get(`${server.url}/delay-headers`)))
        yield* server.awaitRequests(2)
        const late = yield* Effect.fork(get(`${server.url}/bytes/1`))
        yield* awaitTimer("2 seconds")
        yield* TestClock.adjust("2 seconds")
        const error = yield* Effect.flip(Fiber.join(late))
        expect(causeOf(error)).toMatchObject({ _tag: "TimeoutError", phase: "acquire", timeoutMillis: 2000 })

        const queued = yield* Effect.forEach([1, 2, 3, 4, 5], () => Effect.fork(get(`${server.url}/bytes/1`)))
        yield* Effect.forEach(queued, Fiber.interrupt)
        yield* Effect.forEach(held, Fiber.interrupt)
        yield* server.awaitClosedConnections(2)
        const before = server.stats.connectionsOpened
        const both = yield* Effect.forEach([1, 2], () => Effect.fork(get(`${server.url}/delay-headers`)))
        yield* server.awaitRequests(4)
        // Both found a permit at once: the interrupted waiters took none with them.
        expect(server.stats.openConnections).toBe(2)
        expect(server.stats.connectionsOpened - before).toBe(2)
        yield* Effect.forEach(both, Fiber.interrupt)
        expect((yield* stats).h1.waiting).toBe(0)
      }).pipe(
        Effect.provide(Requests.layer({ h1: { maxConnectionsPerEndpoint: 2, acquireTimeout: "2 seconds" } }))
      )
  )

  it.scoped("warming an endpoint twice at once counts the dials under way: two connections, not four", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const requests = yield* Requests.Requests
      const warm = requests.warm(server.url, { connections: 2 })
      // The second finds the first one's two dials under way, and the endpoint at its limit.
      yield* Wait.within(Effect.all([warm, warm], { concurrency: "unbounded" }), {
        helper: "warm twice",
        unit: "warm",
        target: 2,
        seen: () => 0
      })
      expect((yield* stats).h1).toMatchObject({ open: 2, idle: 2, created: 2 })
    }).pipe(Effect.provide(Requests.layer({ h1: { maxConnectionsPerEndpoint: 2 } })))
  )

  it.scoped("one timer watches the acquire deadlines of all the requests waiting for an endpoint", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const held = yield* Effect.fork(get(`${server.url}/delay-headers`))
      yield* server.awaitRequests(1)
      yield* Effect.gen(function* () {
        const late = yield* Effect.forEach([1, 2, 3], () => Effect.fork(get(`${server.url}/bytes/1`)))
        yield* Wait.within(
          Effect.gen(function* () {
            while ((yield* stats).h1.waiting !== 3) yield* eventLoopTurn
          }),
          { helper: "requests in line", unit: "waiting request", target: 3, seen: () => 0 }
        )
        yield* awaitTimer("2 seconds")
        const deadlines = Chunk.filter(yield* TestClock.sleeps(), (at) => at === 2000)
        expect(Chunk.size(deadlines)).toBe(1)
        yield* TestClock.adjust("2 seconds")
        for (const fiber of late) {
          expect(causeOf(yield* Effect.flip(Fiber.join(fiber)))).toMatchObject({
            _tag: "TimeoutError",
            phase: "acquire"
          })
        }
        // The held request ends with the test, however it ends: the layer would wait for it.
      }).pipe(Effect.ensuring(Fiber.interrupt(held)))
    }).pipe(
      Effect.provide(Requests.layer({ h1: { maxConnectionsPerEndpoint: 1, acquireTimeout: "2 seconds" } }))
    )
  )
})

describe("H1Pool reuse races", () => {
  /** Answers the first request on each connection, then closes as the next one arrives. */
  const closingOnReuse = (ids: ReturnType<typeof idCounter>) =>
    RawServer.make((conn) =>
      Effect.gen(function* () {
        const first = yield* conn.readRequest
        ids.record(first.headers["x-request-id"])
        yield* conn.write(echoId(first.headers["x-request-id"]))
        yield* conn.readUntil("\r\n\r\n")
        yield* conn.destroy
      })
    )

  it.scoped("1,000 sequential GETs succeed when every reused connection is closed under them", () =>
    Effect.gen(function* () {
      const ids = idCounter()
      const server = yield* closingOnReuse(ids)
      for (let i = 0; i < 1000; i++) expect(yield* get(`${server.url}/`, `g${i}`)).toBe(`g${i}`)
      expect(ids.seen.size).toBe(1000)
      expect([...ids.seen.values()].every((n) => n === 1)).toBe(true)
      expect((yield* stats).retries).toBe(999)
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("POSTs without replay permission fail typed instead of being sent twice", () =>
    Effect.gen(function* () {
      const ids = idCounter()
      const server = yield* closingOnReuse(ids)
      let failed = 0
      for (let i = 0; i < 100; i++) {
        const request = HttpClientRequest.post(`${server.url}/`).pipe(
          HttpClientRequest.setHeader("x-request-id", `p${i}`),
          HttpClientRequest.bodyText("payload")
        )
        const exit = yield* Effect.exit(Effect.flatMap(HttpClient.execute(request), (r) => r.text))
        if (Exit.isFailure(exit)) {
          failed++
          const error = yield* Effect.flip(exit)
          expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", responseStarted: false, reused: true })
        }
      }
      expect(failed).toBe(50)
      expect(ids.seen.size).toBe(50)
      expect([...ids.seen.values()].every((n) => n === 1)).toBe(true)
      expect((yield* stats).retries).toBe(0)
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("POSTs are re-sent once when the caller allows it", () =>
    Effect.gen(function* () {
      const ids = idCounter()
      const server = yield* closingOnReuse(ids)
      for (let i = 0; i < 20; i++) {
        const request = HttpClientRequest.post(`${server.url}/`).pipe(
          HttpClientRequest.setHeader("x-request-id", `p${i}`),
          HttpClientRequest.bodyText("payload")
        )
        expect(yield* Effect.flatMap(HttpClient.execute(request), (r) => r.text)).toBe(`p${i}`)
      }
      expect(ids.seen.size).toBe(20)
    }).pipe(Effect.provide(Requests.layer({ h1: { retryNonIdempotent: true } })))
  )

  it.scoped("Keep-Alive: timeout=1 stops reuse before the server's deadline", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ keepAliveTimeout: 1000 })
      yield* get(`${server.url}/bytes/1`)
      yield* TestClock.adjust("400 millis")
      yield* get(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(1)
      // Half a second into a one-second promise: too close to the server's close to risk it.
      yield* TestClock.adjust("600 millis")
      yield* get(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("the reaper closes connections idle past idleTimeout", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ keepAliveTimeout: 60_000 })
      yield* get(`${server.url}/bytes/1`)
      yield* TestClock.adjust("10 seconds")
      yield* server.awaitClosedConnections(1)
      expect((yield* stats).h1).toMatchObject({ open: 0, closed: 1, errors: 0 })
    }).pipe(Effect.provide(Requests.layer({ h1: { idleTimeout: "10 seconds" } })))
  )
})

describe("H1Pool pipelining", () => {
  it.scoped("1,000 requests pipelined 10 deep share one connection, each answered in order", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const answers = yield* Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => i),
        (i) =>
          HttpClient.execute(
            HttpClientRequest.get(`${server.url}/echo`).pipe(
              HttpClientRequest.setHeader("x-request-id", `r${i}`)
            )
          ).pipe(
            Effect.flatMap((r) => r.json),
            Effect.map(
              (body) => [i, (body as { headers: Record<string, string> }).headers["x-request-id"]] as const
            )
          ),
        { concurrency: 10 }
      )
      for (const [i, echoed] of answers) expect(echoed).toBe(`r${i}`)
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 10 } })))
  )

  it.scoped(
    "a server that closes after the second pipelined request: all succeed once, pipelining stops",
    () =>
      Effect.gen(function* () {
        const ids = idCounter()
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            const first = yield* conn.readRequest
            ids.record(first.headers["x-request-id"])
            yield* conn.write(echoId(first.headers["x-request-id"]))
            const second = yield* conn.readRequest
            ids.record(second.headers["x-request-id"])
            yield* conn.write(echoId(second.headers["x-request-id"], { Connection: "close" }))
            yield* conn.end
          })
        )
        const answers = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, i) => `q${i}`),
          (id) => get(`${server.url}/`, id),
          { concurrency: 10 }
        )
        expect(answers).toEqual(Array.from({ length: 10 }, (_, i) => `q${i}`))
        expect([...ids.seen.values()].every((n) => n === 1)).toBe(true)
        expect(ids.seen.size).toBe(10)
        const endpoint = (yield* stats).h1.endpoints[`http://127.0.0.1:${server.port}`]
        expect(endpoint?.pipelining).toBe(false)
      }).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 10 } })))
  )
})

describe("H1Pool ownership", () => {
  it.scoped("a user-supplied socket carries the requests and stays open after the layer closes", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const socket = yield* Effect.acquireRelease(
        Effect.async<net.Socket>((resume) => {
          const s = net.connect(server.port, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.destroy())
      )
      const layer = Requests.layer({ h1: { sockets: { [`127.0.0.1:${server.port}`]: socket } } })
      yield* Effect.scoped(
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++) yield* get(`${server.url}/bytes/3`)
          const twoAtOnce = yield* Effect.all([get(`${server.url}/bytes/1`), get(`${server.url}/bytes/2`)], {
            concurrency: "unbounded"
          })
          expect(twoAtOnce).toEqual(["a", "ab"])
        }).pipe(Effect.provide(Layer.fresh(layer)))
      )
      expect(socket.destroyed).toBe(false)
      expect(server.stats.connectionsOpened).toBe(1)
      expect(server.stats.openConnections).toBe(1)
    })
  )

  it.scoped(
    "a user-supplied socket let go mid-response keeps none of the client's listeners, and reads again",
    () =>
      Effect.gen(function* () {
        const more = yield* Deferred.make<void>()
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            yield* conn.readRequest
            // One write, far past the client's highWaterMark: it stops reading before the head is handed out.
            yield* conn.write(`HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n${"x".repeat(32 * 1024)}`)
            yield* Deferred.await(more)
            yield* conn.write("more")
            yield* conn.closed
          })
        )
        const socket = yield* Effect.acquireRelease(
          Effect.async<net.Socket>((resume) => {
            const s = net.connect(server.port, "127.0.0.1", () => resume(Effect.succeed(s)))
          }),
          (s) => Effect.sync(() => s.destroy())
        )
        const events = ["data", "end", "error", "close", "drain"] as const
        const listeners = () => events.map((event) => socket.listenerCount(event))
        const before = listeners()
        const layer = Requests.layer({
          h1: { sockets: { [`127.0.0.1:${server.port}`]: socket }, highWaterMark: 1024 }
        })
        // The response is given up unread: its connection cannot go on, and the socket is let go.
        yield* Effect.scoped(HttpClient.get(server.url)).pipe(Effect.provide(Layer.fresh(layer)))
        expect(socket.destroyed).toBe(false)
        expect(listeners()).toEqual(before)
        // The socket is its owner's again: what comes next reaches the owner's own listener.
        const arrived = yield* Deferred.make<void>()
        let received = ""
        socket.on("data", (chunk: Buffer) => {
          received += chunk.toString("latin1")
          if (received.endsWith("more")) Deferred.unsafeDone(arrived, Exit.void)
        })
        yield* Deferred.succeed(more, undefined)
        yield* Wait.within(Deferred.await(arrived), {
          helper: "data after the handoff",
          unit: "arrival",
          target: 1,
          seen: () => (received.endsWith("more") ? 1 : 0)
        })
      })
  )

  it.scoped("closing the layer waits for requests in flight, then leaves no socket open", () =>
    Effect.gen(function* () {
      const answer = yield* Deferred.make<void>()
      const arrived = yield* Deferred.make<void>()
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* Deferred.succeed(arrived, undefined)
          yield* Deferred.await(answer)
          yield* conn.write(echoId("late"))
          yield* conn.closed
        })
      )
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Requests.layer(), scope)
      const inFlight = yield* Effect.fork(Effect.provide(get(`${server.url}/`), context))
      yield* Deferred.await(arrived)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Deferred.succeed(answer, undefined)
      expect(yield* Fiber.join(inFlight)).toBe("late")
      yield* Fiber.join(closing)
      yield* server.awaitClosedConnections(1)
      expect(server.openConnections).toBe(0)
    })
  )

  it.scoped("past closeTimeout, requests still in flight fail typed and their sockets close", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        Requests.layer({ h1: { closeTimeout: "3 seconds" } }),
        scope
      )
      const inFlight = yield* Effect.fork(Effect.provide(get(`${server.url}/delay-headers`), context))
      yield* server.awaitRequests(1)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* awaitTimer("3 seconds")
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(closing)
      const error = yield* Effect.flip(Fiber.join(inFlight))
      expect(causeOf(error)?._tag).toBe("ClientClosedError")
      yield* server.awaitClosedConnections(1)
      expect(server.stats.openConnections).toBe(0)
    })
  )

  it.scoped("a response received in full but never read hands its connection back", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      yield* Effect.scoped(HttpClient.get(`${server.url}/bytes/100`))
      yield* get(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("a closed layer leaves no socket and no timer behind", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length
      const before = { sockets: count("TCPSocketWrap"), timers: count("Timeout") }
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Effect.forEach(Array.from({ length: 20 }), () => get(`${server.url}/bytes/10`), {
            concurrency: 5
          })
          expect(server.stats.openConnections).toBe(5)
          // The pool's housekeeping timer is live now; it must be gone after the close.
          expect(count("Timeout")).toBeGreaterThan(before.timers)
        }).pipe(Effect.provide(Layer.fresh(Requests.layer())))
      )
      yield* server.awaitClosedConnections(5)
      expect(server.stats.openConnections).toBe(0)
      expect(count("TCPSocketWrap")).toBeLessThanOrEqual(before.sockets)
      expect(count("Timeout")).toBeLessThanOrEqual(before.timers)
    }).pipe(Effect.withClock(Clock.make()))
  )
})
