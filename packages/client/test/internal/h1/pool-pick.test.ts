/**
 * Which connection the HTTP/1.1 pool gives a request: an idle one, else for
 * a request that may be pipelined the open one with the least in flight and
 * room left, else a place in line; and who in line gets a connection that
 * frees up. Seen from the server (which connection each request came on,
 * before any answer) and from the pool's figures.
 */
import type { HttpClient, HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { type H1Pool, Requests } from "@effect-requests/client"
import { Effect, Exit, Fiber, FiberId } from "effect"
import { awaitWaiting, connect, get, h1Stats, heldServer, post } from "./held-server.js"

/** The pool's own handling of a lost request is under test: the retry battery would send it again. */
const layer = (h1: H1Pool.H1Options) => Requests.layer({ h1, retry: false })

describe("H1Pool pipelined pick", () => {
  it.scoped(
    "a pipelined request goes to the least loaded connection with room, the first of equals, and waits when all are full",
    () =>
      heldServer(({ url, seen, awaitSeen, answer }) =>
        Effect.gen(function* () {
          const sent: Array<Fiber.RuntimeFiber<string, HttpClientError.HttpClientError>> = []
          const send = (
            request: Effect.Effect<string, HttpClientError.HttpClientError, HttpClient.HttpClient>
          ) => Effect.map(Effect.fork(request), (fiber) => void sent.push(fiber))

          yield* send(get(url, "a"))
          yield* awaitSeen(1)
          yield* send(get(url, "b"))
          yield* awaitSeen(2)
          // A POST is not pipelined: it gets a connection of its own.
          yield* send(post(url, "c"))
          yield* awaitSeen(3)
          yield* send(get(url, "d"))
          yield* awaitSeen(4)
          yield* send(get(url, "e"))
          yield* awaitSeen(5)
          yield* send(get(url, "f"))
          yield* awaitSeen(6)
          expect(seen).toEqual([
            { id: "a", connection: 0 },
            { id: "b", connection: 0 },
            { id: "c", connection: 1 },
            // 2 in flight on the first, 1 on the second.
            { id: "d", connection: 1 },
            // 2 and 2.
            { id: "e", connection: 0 },
            // 3, the most allowed, and 2.
            { id: "f", connection: 1 }
          ])

          // Both connections are full: the next one waits.
          yield* send(get(url, "g"))
          yield* awaitWaiting(1)
          expect(yield* h1Stats).toMatchObject({ open: 2, idle: 0, inUse: 2, reused: 4, waiting: 1 })

          // The first answer makes room, and the waiting request is pipelined behind the two left.
          yield* answer("a")
          yield* awaitSeen(7)
          expect(seen[6]).toEqual({ id: "g", connection: 0 })

          for (const id of ["b", "c", "d", "e", "f", "g"]) yield* answer(id)
          expect(yield* Effect.forEach(sent, Fiber.join)).toEqual(["a", "b", "c", "d", "e", "f", "g"])
          expect(yield* h1Stats).toMatchObject({
            open: 2,
            idle: 2,
            inUse: 0,
            created: 2,
            reused: 5,
            waiting: 0
          })
        })
      ).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 3, maxConnectionsPerEndpoint: 2 } })))
  )

  it.scoped("requests waiting for the connection being dialed are all pipelined on it", () =>
    heldServer(({ url, seen, awaitSeen, answer }) =>
      Effect.gen(function* () {
        const all = yield* Effect.fork(
          Effect.all([get(url, "a"), get(url, "b"), get(url, "c")], { concurrency: "unbounded" })
        )
        yield* awaitSeen(3)
        expect(seen.map((a) => a.connection)).toEqual([0, 0, 0])
        for (const id of ["a", "b", "c"]) yield* answer(id)
        expect(yield* Fiber.join(all)).toEqual(["a", "b", "c"])
        // The second and third went on a connection already carrying a request.
        expect(yield* h1Stats).toMatchObject({ created: 1, reused: 2 })
      })
    ).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 3, maxConnectionsPerEndpoint: 1 } })))
  )
})

describe("H1Pool line", () => {
  it.scoped(
    "a freed connection goes to the first in line: one that may not be pipelined holds back those behind it",
    () =>
      heldServer(({ url, seen, awaitSeen, answer }) =>
        Effect.gen(function* () {
          const a = yield* Effect.fork(get(url, "a"))
          yield* awaitSeen(1)
          const b = yield* Effect.fork(get(url, "b"))
          yield* awaitSeen(2)
          const c = yield* Effect.fork(post(url, "c"))
          yield* awaitWaiting(1)
          const d = yield* Effect.fork(get(url, "d"))
          yield* awaitWaiting(2)
          const e = yield* Effect.fork(get(url, "e"))
          yield* awaitWaiting(3)

          // The connection still carries b: the POST at the head of the line may not be written behind it.
          yield* answer("a")
          expect(yield* Fiber.join(a)).toBe("a")
          expect((yield* h1Stats).waiting).toBe(3)
          expect(seen).toHaveLength(2)

          // Free now: the POST, then the GET pipelined behind it, up to the depth of 2.
          yield* answer("b")
          expect(yield* Fiber.join(b)).toBe("b")
          yield* awaitSeen(4)
          expect(seen.slice(2)).toEqual([
            { id: "c", connection: 0 },
            { id: "d", connection: 0 }
          ])
          expect((yield* h1Stats).waiting).toBe(1)

          yield* answer("c")
          yield* awaitSeen(5)
          expect(seen[4]).toEqual({ id: "e", connection: 0 })
          yield* answer("d")
          yield* answer("e")
          expect(yield* Effect.forEach([c, d, e], Fiber.join)).toEqual(["c", "d", "e"])
          // b pipelined, then c, d and e on the connection that had carried a.
          expect(yield* h1Stats).toMatchObject({ created: 1, reused: 4, waiting: 0 })
        })
      ).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 2, maxConnectionsPerEndpoint: 1 } })))
  )

  it.scoped(
    "a waiting request interrupted as the connection frees up for it hands the connection to the next in line",
    () =>
      heldServer(({ server, url, seen, awaitSeen, answer, dropAll }) =>
        Effect.gen(function* () {
          // A socket of the test's own, with a listener ahead of the pool's: it runs in the very turn an
          // answer arrives, before the pool hands the connection on.
          const socket = yield* connect(server.port)
          let onAnswer = () => {}
          socket.on("data", () => onAnswer())
          const sockets = { [`127.0.0.1:${server.port}`]: socket }
          yield* Effect.gen(function* () {
            const a = yield* Effect.fork(get(url, "a"))
            yield* awaitSeen(1)
            const b = yield* Effect.fork(get(url, "b"))
            yield* awaitWaiting(1)
            const c = yield* Effect.fork(get(url, "c"))
            yield* awaitWaiting(2)
            onAnswer = () => {
              onAnswer = () => {}
              b.unsafeInterruptAsFork(FiberId.none)
            }
            yield* answer("a")
            expect(yield* Fiber.join(a)).toBe("a")
            expect(Exit.isInterrupted(yield* Fiber.await(b))).toBe(true)
            // b never wrote on the connection it was handed: c, behind it, gets it.
            yield* awaitSeen(2)
            expect(seen[1]).toEqual({ id: "c", connection: 0 })
            yield* answer("c")
            expect(yield* Fiber.join(c)).toBe("c")
            expect(yield* h1Stats).toMatchObject({ open: 1, idle: 1, waiting: 0 })
          }).pipe(Effect.ensuring(dropAll), Effect.provide(layer({ sockets })))
        })
      )
  )
})

describe("H1Pool line, when a connection closes", () => {
  it.scoped("a request waiting at the limit gets a connection dialed once a busy one closes", () =>
    heldServer(({ url, on, awaitSeen, answer, drop }) =>
      Effect.gen(function* () {
        const a = yield* Effect.fork(post(url, "a"))
        yield* awaitSeen(1)
        const b = yield* Effect.fork(get(url, "b"))
        yield* awaitWaiting(1)
        yield* drop("a")
        yield* Effect.flip(Fiber.join(a))
        yield* awaitSeen(2)
        yield* answer("b")
        expect(yield* Fiber.join(b)).toBe("b")
        expect(on("b")).toEqual([1])
      })
    ).pipe(Effect.provide(layer({ maxConnectionsPerEndpoint: 1 })))
  )

  it.scoped("a busy connection that closes leaves the idle ones in place", () =>
    heldServer(({ url, on, awaitSeen, answer, drop }) =>
      Effect.gen(function* () {
        const h = yield* Effect.fork(get(url, "h"))
        yield* awaitSeen(1)
        const a = yield* Effect.fork(post(url, "a"))
        yield* awaitSeen(2)
        yield* answer("h")
        expect(yield* Fiber.join(h)).toBe("h")
        // The first connection is idle; the second closes under a.
        yield* drop("a")
        yield* Effect.flip(Fiber.join(a))
        yield* answer("z")
        expect(yield* get(url, "z")).toBe("z")
        expect([on("h"), on("a"), on("z")]).toEqual([[0], [1], [0]])
      })
    ).pipe(Effect.provide(layer({})))
  )
})
