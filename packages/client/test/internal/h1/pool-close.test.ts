/**
 * The HTTP/1.1 pool while its layer closes: requests already written finish,
 * on connections that close as they come free, and the layer waits for the
 * last of them; nothing new is written, not even a request re-sent after a
 * stale connection.
 */
import type { HttpClient } from "@effect/platform"
import { HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Wait } from "@effect-requests/testing"
import { Deferred, Effect, ExecutionStrategy, Exit, Fiber, Layer, Scope } from "effect"
import { get, heldServer, post } from "./held-server.js"

const causeOf = (error: unknown) =>
  error instanceof HttpClientError.RequestError ? (error.cause as { readonly _tag: string }) : undefined

/** The client's layer in a scope the test closes, and a way to send requests through it. */
const closableClient = (options: Requests.Options) =>
  Effect.gen(function* () {
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const context = yield* Layer.buildWithScope(Requests.layer(options), scope)
    return {
      send: <A, E>(request: Effect.Effect<A, E, HttpClient.HttpClient>) => Effect.provide(request, context),
      close: Effect.fork(Scope.close(scope, Exit.void))
    }
  })

describe("H1Pool closing", () => {
  it.scoped(
    "a request sent while the layer closes fails typed, and is not pipelined on a busy connection",
    () =>
      heldServer(({ url, seen, awaitSeen, answer }) =>
        Effect.gen(function* () {
          // The idle connection closed first thing tells the test the layer is closing.
          const closingStarted = yield* Deferred.make<void>()
          const client = yield* closableClient({
            h1: { pipelining: 2 },
            events: (event) => event._tag === "Released" && Deferred.unsafeDone(closingStarted, Exit.void)
          })
          const a = yield* Effect.fork(client.send(get(url, "a")))
          yield* awaitSeen(1)
          // Not pipelined: on a second connection, idle once answered.
          yield* answer("w")
          yield* client.send(post(url, "w"))
          const closing = yield* client.close
          yield* Deferred.await(closingStarted)

          // The first connection has room for b, but takes nothing more.
          yield* answer("b")
          const error = yield* Wait.within(Effect.flip(client.send(get(url, "b"))), {
            helper: "request sent while closing",
            unit: "failure",
            target: 1,
            seen: () => 0
          })
          expect(causeOf(error)?._tag).toBe("ClientClosedError")
          yield* answer("a")
          expect(yield* Fiber.join(a)).toBe("a")
          yield* Fiber.join(closing)
          expect(seen.map((s) => s.id)).toEqual(["a", "w"])
        })
      )
  )

  it.scoped("a request whose reused connection closes while the layer closes is not sent again", () =>
    heldServer(({ url, seen, awaitSeen, answer, drop }) =>
      Effect.gen(function* () {
        const client = yield* closableClient({})
        yield* answer("w")
        yield* client.send(get(url, "w"))
        const x = yield* Effect.fork(client.send(get(url, "x")))
        yield* awaitSeen(2)
        const closing = yield* client.close
        yield* drop("x")
        const error = yield* Wait.within(Effect.flip(Fiber.join(x)), {
          helper: "request lost while closing",
          unit: "failure",
          target: 1,
          seen: () => 0
        })
        expect(causeOf(error)?._tag).toBe("ClientClosedError")
        yield* Fiber.join(closing)
        expect(seen.map((s) => s.id)).toEqual(["w", "x"])
      })
    )
  )

  it.scoped(
    "closing waits for the last request in flight, on every connection, each closing as it comes free",
    () =>
      heldServer(({ server, url, on, awaitSeen, answer }) =>
        Effect.gen(function* () {
          const client = yield* closableClient({ h1: { pipelining: 2 } })
          const a = yield* Effect.fork(client.send(get(url, "a")))
          yield* awaitSeen(1)
          const b = yield* Effect.fork(client.send(get(url, "b")))
          yield* awaitSeen(2)
          // Not pipelined: on a second connection.
          const c = yield* Effect.fork(client.send(post(url, "c")))
          yield* awaitSeen(3)
          expect([on("a"), on("b"), on("c")]).toEqual([[0], [0], [1]])
          const closing = yield* client.close

          // The first connection still carries b.
          yield* answer("a")
          expect(yield* Fiber.join(a)).toBe("a")
          // The second is done, and closes; the layer still waits for b.
          yield* answer("c")
          expect(yield* Fiber.join(c)).toBe("c")
          yield* server.awaitClosedConnections(1)
          expect(closing.unsafePoll()).toBeNull()

          yield* answer("b")
          expect(yield* Fiber.join(b)).toBe("b")
          yield* Fiber.join(closing)
          yield* server.awaitClosedConnections(2)
          expect([on("a"), on("b"), on("c")]).toEqual([[0], [0], [1]])
        })
      )
  )
})
