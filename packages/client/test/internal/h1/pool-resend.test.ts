/**
 * A GET lost on a reused connection that closed before answering is sent
 * again on a connection that cannot be stale: one dialed for it, making room
 * by closing the least recently used idle connection when the endpoint is at
 * its limit, or, with nothing idle to close, the next connection that frees
 * up, ahead of the requests already in line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Effect, Fiber } from "effect"
import {
  awaitWaiting,
  get,
  h1Stats,
  type HeldServer,
  heldServer,
  pipelinedBesideIdle,
  post
} from "./held-server.js"

const retries = Effect.map(
  Effect.flatMap(Requests.Requests, (r) => r.stats),
  (s) => s.retries
)

/**
 * Two connections, pipelined two deep: the first carries h1 and h2, the
 * second, reused, x1 and x2. Returns the fibers of the four requests.
 */
const twoBusyConnections = (held: HeldServer) =>
  Effect.gen(function* () {
    const { url, on, awaitSeen } = held
    const { h1, h2 } = yield* pipelinedBesideIdle(held)
    const x1 = yield* Effect.fork(get(url, "x1"))
    yield* awaitSeen(5)
    const x2 = yield* Effect.fork(get(url, "x2"))
    yield* awaitSeen(6)
    expect([on("w"), on("h1"), on("h2"), on("p"), on("x1"), on("x2")]).toEqual([[0], [0], [0], [1], [1], [1]])
    return { h1, h2, x1, x2 }
  })

describe("H1Pool re-sent requests", () => {
  it.scoped(
    "at the limit with nothing idle, the second re-sent request gets the first connection that frees up, ahead of the line",
    () =>
      heldServer((held) =>
        Effect.gen(function* () {
          const { url, seen, on, awaitSeen, answer, drop } = held
          const { h1, h2, x1, x2 } = yield* twoBusyConnections(held)

          // The second connection closes under x1 and x2: the first one re-sent dials the only free slot.
          yield* drop("x1")
          yield* awaitSeen(7)
          expect(seen[6]?.connection).toBe(2)
          const [first, second] = seen[6]?.id === "x1" ? ["x1", "x2"] : ["x2", "x1"]
          yield* awaitWaiting(1)

          // A POST joins the line behind the re-sent request.
          const q = yield* Effect.fork(post(url, "q"))
          yield* awaitWaiting(2)

          // A connection still busy is not for the re-sent request, which is not pipelined.
          yield* answer("h1")
          expect(yield* Fiber.join(h1)).toBe("h1")
          expect((yield* h1Stats).waiting).toBe(2)
          expect(seen).toHaveLength(7)

          // The connection dialed for the first is freed: the second re-sent request gets it, then the POST.
          yield* answer(first)
          yield* awaitSeen(8)
          expect(seen[7]).toEqual({ id: second, connection: 2 })
          yield* answer(second)
          yield* awaitSeen(9)
          expect(seen[8]).toEqual({ id: "q", connection: 2 })

          yield* answer("h2")
          yield* answer("q")
          expect(yield* Effect.forEach([h2, x1, x2, q], Fiber.join)).toEqual(["h2", "x1", "x2", "q"])
          expect([on("x1"), on("x2")]).toEqual([
            [1, 2],
            [1, 2]
          ])
          expect(yield* retries).toBe(2)
          expect(yield* h1Stats).toMatchObject({ created: 3, closed: 1, waiting: 0 })
        })
      ).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 2, maxConnectionsPerEndpoint: 2 } })))
  )

  it.scoped(
    "at the limit with an idle connection, a re-sent request closes the least recently used idle one to dial its own",
    () =>
      heldServer((held) =>
        Effect.gen(function* () {
          const { server, seen, on, awaitSeen, answer, drop } = held
          const { h1, h2, x1, x2 } = yield* twoBusyConnections(held)
          yield* answer("h1")
          yield* answer("h2")
          expect(yield* Effect.forEach([h1, h2], Fiber.join)).toEqual(["h1", "h2"])

          // The first re-sent request dials the free slot; the second closes the idle connection for one.
          yield* drop("x1")
          yield* awaitSeen(8)
          expect(
            seen
              .slice(6)
              .map((a) => a.connection)
              .sort()
          ).toEqual([2, 3])
          yield* server.awaitClosedConnections(2)
          expect(yield* h1Stats).toMatchObject({ open: 2, created: 4, closed: 2 })

          yield* answer("x1")
          yield* answer("x2")
          expect(yield* Effect.forEach([x1, x2], Fiber.join)).toEqual(["x1", "x2"])
          expect([on("x1")[0], on("x2")[0]]).toEqual([1, 1])
        })
      ).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 2, maxConnectionsPerEndpoint: 2 } })))
  )

  it.scoped(
    "below the limit, a re-sent request dials a connection of its own and leaves the idle ones be",
    () =>
      heldServer(({ url, on, awaitSeen, answer, drop }) =>
        Effect.gen(function* () {
          const w0 = yield* Effect.fork(get(url, "w0"))
          yield* awaitSeen(1)
          const w1 = yield* Effect.fork(get(url, "w1"))
          yield* awaitSeen(2)
          yield* answer("w0")
          yield* Fiber.join(w0)
          yield* answer("w1")
          yield* Fiber.join(w1)

          // The most recently used idle connection takes x, and closes under it.
          yield* drop("x")
          const x = yield* Effect.fork(get(url, "x"))
          yield* awaitSeen(4)
          yield* answer("x")
          expect(yield* Fiber.join(x)).toBe("x")
          expect(on("x")).toEqual([1, 2])
          expect(yield* h1Stats).toMatchObject({ open: 2, idle: 2, created: 3, closed: 1 })
        })
      ).pipe(Effect.provide(Requests.layer({ h1: { maxConnectionsPerEndpoint: 2 } })))
  )
})
