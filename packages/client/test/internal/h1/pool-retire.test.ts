/**
 * When the HTTP/1.1 pool lets a connection go: retired once it has carried
 * `maxUses` exchanges or as many as the server's `Keep-Alive: max` allowed,
 * or once flushed, it takes nothing more, finishes what it carries and
 * closes; idle past its window, it is closed by the housekeeping round.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Events, Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer } from "@effect-requests/testing"
import { Chunk, Effect, Fiber, TestClock } from "effect"
import { awaitTimer } from "../../helpers.js"
import { get, h1Stats, heldServer } from "./held-server.js"

describe("H1Pool retirement", () => {
  const released: Array<Events.Released> = []

  it.scoped("past maxUses, a connection finishes the requests it carries, then closes", () =>
    heldServer(({ server, url, on, awaitSeen, answer }) =>
      Effect.gen(function* () {
        const a = yield* Effect.fork(get(url, "a"))
        yield* awaitSeen(1)
        const b = yield* Effect.fork(get(url, "b"))
        yield* awaitSeen(2)
        const c = yield* Effect.fork(get(url, "c"))
        yield* awaitSeen(3)
        yield* answer("a")
        yield* answer("b")
        expect(yield* Fiber.join(a)).toBe("a")
        expect(yield* Fiber.join(b)).toBe("b")

        // Two uses made: the connection takes no new request, but c, written before, is still answered on it.
        const d = yield* Effect.fork(get(url, "d"))
        yield* awaitSeen(4)
        expect(on("d")).toEqual([1])
        yield* answer("c")
        expect(yield* Fiber.join(c)).toBe("c")
        expect(on("c")).toEqual([0])
        yield* server.awaitClosedConnections(1)
        expect(released).toEqual([
          { _tag: "Released", endpoint: url.slice(0, -1), protocol: "http/1.1", requests: 3 }
        ])

        yield* answer("d")
        expect(yield* Fiber.join(d)).toBe("d")
      })
    ).pipe(
      Effect.provide(
        Requests.layer({
          h1: { pipelining: 3, maxUses: 2 },
          events: (e) => e._tag === "Released" && released.push(e)
        })
      )
    )
  )

  it.scoped("a connection is retired once it carried the requests the server's Keep-Alive: max allowed", () =>
    Effect.gen(function* () {
      // Answers every request, announcing one fewer left each time.
      const server = yield* RawServer.make((conn, connection) =>
        Effect.gen(function* () {
          for (let left = 2; ; left--) {
            yield* conn.readRequest
            yield* conn.write(
              RawServer.response(
                200,
                { "Keep-Alive": `timeout=60, max=${Math.max(left, 0)}` },
                String(connection)
              )
            )
          }
        })
      )
      const url = `${server.url}/`
      expect(yield* get(url, "1")).toBe("0")
      expect(yield* get(url, "2")).toBe("0")
      // max=1 on the second answer: that was the last the server would take.
      yield* server.awaitClosedConnections(1)
      expect(yield* get(url, "3")).toBe("1")
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("a connection retired by Keep-Alive: max stays retired when a later answer allows more", () =>
    Effect.gen(function* () {
      // On the first connection, reads two pipelined requests, then answers: the first answer says it was
      // the last request taken, the second takes that back.
      const server = yield* RawServer.make((conn, connection) =>
        Effect.gen(function* () {
          const answer = (max: number) =>
            conn.write(
              RawServer.response(200, { "Keep-Alive": `timeout=60, max=${max}` }, String(connection))
            )
          if (connection === 0) {
            yield* conn.readRequest
            yield* conn.readRequest
            yield* answer(1)
            yield* answer(5)
          }
          for (;;) yield* Effect.zipRight(conn.readRequest, answer(5))
        })
      )
      const url = `${server.url}/`
      const both = yield* Effect.all([get(url, "a"), get(url, "b")], { concurrency: "unbounded" })
      expect(both).toEqual(["0", "0"])
      yield* server.awaitClosedConnections(1)
      expect(yield* get(url, "c")).toBe("1")
    }).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 2 } })))
  )

  it.scoped("after a flush, a busy connection finishes its exchange, then closes", () =>
    heldServer(({ server, url, awaitSeen, answer }) =>
      Effect.gen(function* () {
        const a = yield* Effect.fork(get(url, "a"))
        yield* awaitSeen(1)
        yield* Effect.flatMap(Requests.Requests, (r) => r.flush)
        yield* answer("a")
        expect(yield* Fiber.join(a)).toBe("a")
        yield* server.awaitClosedConnections(1)
        expect(yield* h1Stats).toMatchObject({ open: 0, closed: 1 })
      })
    ).pipe(Effect.provide(Requests.layer()))
  )
})

describe("H1Pool housekeeping", () => {
  it.scoped("each round closes every connection idle past idleTimeout, and none still within it", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ keepAliveTimeout: 600_000 })
      const requests = yield* Requests.Requests
      yield* requests.warm(server.url, { connections: 2 })
      // The round of 5 seconds, half the idle timeout, runs once: both connections are within it.
      yield* TestClock.adjust("5 seconds")
      yield* awaitTimer("5 seconds")
      expect(yield* h1Stats).toMatchObject({ open: 2, idle: 2, closed: 0 })
      // The next round finds both past it.
      yield* TestClock.adjust("5 seconds")
      yield* server.awaitClosedConnections(2)
      expect(yield* h1Stats).toMatchObject({ open: 0, closed: 2, errors: 0 })
    }).pipe(Effect.provide(Requests.layer({ h1: { idleTimeout: "10 seconds" } })))
  )

  it.scoped("a short idleTimeout shortens the round to half of it", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ keepAliveTimeout: 600_000 })
      yield* get(`${server.url}/bytes/1`, "one")
      yield* TestClock.adjust("2 seconds")
      yield* server.awaitClosedConnections(1)
    }).pipe(Effect.provide(Requests.layer({ h1: { idleTimeout: "2 seconds" } })))
  )

  it.scoped("one housekeeping round runs for the whole pool, however many endpoints it has", () =>
    Effect.gen(function* () {
      const servers = yield* Effect.all([HttpTestServer.make(), HttpTestServer.make(), HttpTestServer.make()])
      for (const server of servers) yield* get(`${server.url}/bytes/1`, "one")
      yield* awaitTimer("5 seconds")
      const rounds = Chunk.filter(yield* TestClock.sleeps(), (at) => at === 5000)
      expect(Chunk.size(rounds)).toBe(1)
    }).pipe(Effect.provide(Requests.layer()))
  )
})
