/**
 * Adoption is one operation in both pools: the dialed socket's scope moves
 * into the adopting pool, which closes it exactly once, when it is done
 * with the connection; whoever dialed keeps nothing to close.
 */
import { describe, expect, it } from "@effect/vitest"
import { HttpTestServer, Http2TestServer, TestCerts } from "@effect-requests/testing"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { Dialer } from "../../../src/Dialer.js"
import * as Endpoint from "../../../src/Endpoint.js"
import type { Exchange, ExchangeResponse } from "../../../src/Exchange.js"
import { H1Pool } from "../../../src/H1Pool.js"
import { H2ConnectionPool } from "../../../src/H2ConnectionPool.js"
import type { RequestsError } from "../../../src/Errors.js"
import type { Dialed } from "../../../src/Dialer.js"

const dialerLayer = Dialer.layer({ tls: { ca: TestCerts.ca } })

interface AdoptingPool {
  readonly exchange: (exchange: Exchange) => Effect.Effect<ExchangeResponse, RequestsError>
  readonly adopt: (
    endpoint: Endpoint.Endpoint,
    dialed: Dialed,
    scope: Scope.CloseableScope
  ) => Effect.Effect<void, RequestsError>
}

const cases = [
  {
    name: "H1Pool",
    server: Effect.map(HttpTestServer.make(), (s) => ({
      url: s.url,
      connections: () => s.stats.connectionsOpened
    })),
    alpn: ["http/1.1"],
    pool: (scope: Scope.Scope) =>
      Effect.map(
        Layer.buildWithScope(H1Pool.layer().pipe(Layer.provide(dialerLayer)), scope),
        (context): AdoptingPool => Context.get(context, H1Pool)
      )
  },
  {
    name: "H2ConnectionPool",
    server: Effect.map(Http2TestServer.make(), (s) => ({
      url: s.url,
      connections: () => s.stats.sessionsOpened
    })),
    alpn: ["h2"],
    pool: (scope: Scope.Scope) =>
      Effect.map(
        Layer.buildWithScope(H2ConnectionPool.layer().pipe(Layer.provide(dialerLayer)), scope),
        (context): AdoptingPool => Context.get(context, H2ConnectionPool)
      )
  }
] as const

describe("adoption", () => {
  for (const pool of cases) {
    it.scoped(`${pool.name}: the adopted scope closes exactly once, when the adopting pool closes it`, () =>
      Effect.gen(function* () {
        const server = yield* pool.server
        const endpoint = Endpoint.fromUrl(new URL(server.url))!
        const poolScope = yield* Scope.make()
        const adopting = yield* pool.pool(poolScope)
        const dialScope = yield* Scope.make()
        let closes = 0
        yield* Scope.addFinalizer(
          dialScope,
          Effect.sync(() => closes++)
        )
        const dialer = yield* Effect.provide(Dialer, dialerLayer)
        const dialed = yield* Scope.extend(dialer.dial(endpoint, { alpnProtocols: pool.alpn }), dialScope)
        yield* adopting.adopt(endpoint, dialed, dialScope)
        for (let i = 0; i < 2; i++) {
          const response = yield* adopting.exchange({
            endpoint,
            method: "GET",
            target: "/bytes/3",
            headers: {},
            body: { _tag: "Empty" },
            retry: undefined
          })
          expect(new TextDecoder().decode(yield* response.body.readAll)).toBe("abc")
        }
        // The adopted socket carried both exchanges: no second connection, no second handshake.
        expect(server.connections()).toBe(1)
        expect(closes).toBe(0)
        yield* Scope.close(poolScope, Exit.void)
        expect(closes).toBe(1)
        expect(dialed.socket.destroyed).toBe(true)
        // The step that dialed has nothing left to close.
        yield* Scope.close(dialScope, Exit.void)
        expect(closes).toBe(1)
      })
    )
  }
})
