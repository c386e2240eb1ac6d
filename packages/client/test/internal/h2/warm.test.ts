/**
 * Warming an endpoint: the connections it is missing, dialed side by side,
 * never past the pool's limit, and left idle for the requests to come.
 */
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { Dialer } from "../../../src/Dialer.js"
import { H2ConnectionPool } from "../../../src/H2ConnectionPool.js"
import { dialerLayer, endpointOf, fetchText, poolLayer, stats } from "./support.js"

/** A dialer that counts its dials and holds each back until `together` of them are under way. */
const gathering = (together: number) =>
  Effect.gen(function* () {
    const dials = { count: 0 }
    const gathered = yield* Deferred.make<void>()
    const layer = Layer.effect(
      Dialer,
      Effect.map(Dialer, (real) => ({
        ...real,
        dial: (endpoint, request) =>
          Effect.suspend(() => {
            if (++dials.count >= together) Deferred.unsafeDone(gathered, Effect.void)
            return Effect.zipRight(Deferred.await(gathered), real.dial(endpoint, request))
          })
      }))
    ).pipe(Layer.provide(dialerLayer))
    const awaitGathered = Wait.within(Deferred.await(gathered), {
      helper: "gathering",
      unit: "dial",
      target: together,
      seen: () => dials.count
    })
    return { dials, layer, awaitGathered }
  })

const hold = (server: Http2TestServer.Http2TestServer) => fetchText(`${server.url}/hold/k`)

describe("H2ConnectionPool warm", () => {
  it.scoped("dials the missing connections side by side and leaves them idle, every slot free", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 1 })
      const endpoint = endpointOf(server.url)
      const { dials, layer, awaitGathered } = yield* gathering(3)
      yield* Effect.gen(function* () {
        const pool = yield* H2ConnectionPool
        const warming = yield* Effect.fork(pool.warm(endpoint, 3))
        // One dial at a time would wait here for the others forever.
        yield* awaitGathered
        expect(yield* Fiber.join(warming)).toBeUndefined()
        expect(yield* stats).toMatchObject({ connections: 3, activeStreams: 0 })
        // Each connection takes one stream: three held requests need no dial of their own.
        const held = yield* Effect.forkAll([hold(server), hold(server), hold(server)])
        yield* server.awaitRequests(3)
        expect(server.stats.sessionsOpened).toBe(3)
        expect(dials.count).toBe(3)
        yield* server.release()
        yield* Fiber.join(held)
      }).pipe(Effect.provide(poolLayer({ maxConnectionsPerEndpoint: 3 }, layer)))
    })
  )

  it.scoped("asking for no more than are open dials nothing, then or later", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const endpoint = endpointOf(server.url)
      const { dials, layer } = yield* gathering(1)
      yield* Effect.gen(function* () {
        const pool = yield* H2ConnectionPool
        yield* pool.warm(endpoint, 2)
        yield* pool.warm(endpoint, 1)
        yield* pool.warm(endpoint, 2)
        expect(dials.count).toBe(2)
        // Past the limit: up to it.
        yield* pool.warm(endpoint, 5)
        expect(dials.count).toBe(3)
        expect((yield* stats).connections).toBe(3)
      }).pipe(Effect.provide(poolLayer({ maxConnectionsPerEndpoint: 3 }, layer)))
    })
  )
})
