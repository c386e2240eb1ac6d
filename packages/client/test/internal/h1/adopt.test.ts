import { describe, expect, it } from "@effect/vitest"
import { Dialer, Endpoint, H1Pool } from "@effect-requests/client"
import { HttpTestServer } from "@effect-requests/testing"
import { Context, Deferred, Effect, Exit, Layer, Scope } from "effect"

const poolIn = (scope: Scope.Scope) =>
  Layer.buildWithScope(H1Pool.H1Pool.layer().pipe(Layer.provide(Dialer.Dialer.layer())), scope)

/** One GET through the pool, read to the end, answered with its status. */
const getStatus = (pool: H1Pool.H1Pool["Type"], endpoint: Endpoint.Endpoint, path: string) =>
  pool
    .exchange({
      endpoint,
      method: "GET",
      target: path,
      headers: {},
      body: { _tag: "Empty" },
      retry: undefined
    })
    .pipe(Effect.flatMap((response) => Effect.as(response.body.readAll, response.head.status)))

/**
 * A pool in a scope of its own, and a socket dialed in another scope and
 * handed to the pool; `released` completes when that scope closes.
 */
const adopted = Effect.gen(function* () {
  const server = yield* HttpTestServer.make()
  const endpoint = Endpoint.make("http", "127.0.0.1", server.port)
  const poolScope = yield* Scope.make()
  const pool = Context.get(yield* poolIn(poolScope), H1Pool.H1Pool)
  const dialScope = yield* Scope.make()
  const released = yield* Deferred.make<void>()
  yield* Scope.addFinalizer(dialScope, Deferred.succeed(released, undefined))
  const dialed = yield* Scope.extend(Dialer.make().dial(endpoint), dialScope)
  yield* pool.adopt(endpoint, dialed, dialScope)
  return { server, endpoint, poolScope, pool, released, dialed }
})

describe("H1Pool.adopt", () => {
  it.scoped("takes over a dialed socket and its scope: no second connection, closed with the pool", () =>
    Effect.gen(function* () {
      const { server, endpoint, poolScope, pool, released, dialed } = yield* adopted

      expect(yield* getStatus(pool, endpoint, "/bytes/1")).toBe(200)
      expect(yield* getStatus(pool, endpoint, "/bytes/1")).toBe(200)
      expect(server.stats.connectionsOpened).toBe(1)
      expect((yield* pool.stats).created).toBe(1)

      yield* Scope.close(poolScope, Exit.void)
      yield* Deferred.await(released)
      yield* server.awaitClosedConnections(1)
      expect(dialed.socket.destroyed).toBe(true)
    })
  )

  it.scoped("the adopted scope closes when the connection ends, before the pool does", () =>
    Effect.gen(function* () {
      const { poolScope, pool, released, dialed } = yield* adopted
      dialed.socket.destroy()
      yield* Deferred.await(released)
      expect((yield* pool.stats).open).toBe(0)
      yield* Scope.close(poolScope, Exit.void)
    })
  )
})
