import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer } from "@effect-requests/testing"
import { Effect, Exit, Scope } from "effect"
import { make } from "../../../src/internal/h2/lazy-pool.js"
import { dialerLayer, endpointOf } from "./support.js"

describe("HTTP/2 pool built on first use", () => {
  it.scoped("before its first use it has no connection: zeros, nothing coalesced, nothing to flush", () =>
    Effect.gen(function* () {
      const pool = yield* make()
      expect(yield* pool.stats).toMatchObject({ connections: 0, totalStreams: 0, activeStreams: 0 })
      expect(yield* pool.coalesce(endpointOf("https://localhost:1/"))).toBe(false)
      yield* pool.flush
      yield* pool.misdirected(endpointOf("https://localhost:1/"))
    }).pipe(Effect.provide(dialerLayer))
  )

  it.scoped("first uses at once build one pool", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const pool = yield* make()
      const endpoint = endpointOf(`https://localhost:${server.port}/`)
      yield* Effect.all([pool.warm(endpoint, 1), pool.warm(endpoint, 1)], { concurrency: "unbounded" })
      expect(server.stats.connectionsOpened).toBe(1)
      expect((yield* pool.stats).connections).toBe(1)
    }).pipe(Effect.provide(dialerLayer))
  )

  it.effect("once its scope is closed, a first use fails as a closed client", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const pool = yield* make().pipe(Scope.extend(scope))
      yield* Scope.close(scope, Exit.void)
      const failure = yield* Effect.flip(pool.warm(endpointOf("https://localhost:1/"), 1))
      expect(failure).toMatchObject({ _tag: "ClientClosedError", endpoint: "https://localhost:1" })
    }).pipe(Effect.provide(dialerLayer))
  )
})
