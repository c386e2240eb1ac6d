/**
 * The HTTP/2 pool behind a stand-in that loads and builds it on first use:
 * a client whose origins all speak HTTP/1.1 never loads the HTTP/2 modules,
 * and importing the client does not either.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { Dialer } from "../../Dialer.js"
import type { Endpoint } from "../../Endpoint.js"
import { ClientClosedError, type RequestsError } from "../../Errors.js"
import { lazyImport } from "../lazy/modules.js"
import type { H2Options } from "./options.js"
import type { H2ConnectionPoolService } from "./pool.js"
import type { H2Stats } from "./stats.js"

const poolModule = lazyImport(() => import("./pool.js"))

const noStats: H2Stats = {
  connections: 0,
  totalStreams: 0,
  activeStreams: 0,
  maxConcurrent: 0,
  refused: 0,
  resets: 0,
  goaways: 0
}

/**
 * A pool that becomes the real one when an exchange, an adopted connection
 * or a warm-up first needs it. Until then it has no connection, so it
 * coalesces nothing, has nothing to flush and reports zeros. Once built,
 * every call goes straight to the real pool.
 *
 * @internal
 */
export const make = (
  options: H2Options = {}
): Effect.Effect<H2ConnectionPoolService, never, Dialer | Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const context = yield* Effect.context<Dialer | Scope.Scope>()
    let pool: H2ConnectionPoolService | undefined
    let closed = false
    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        closed = true
      })
    )
    // Built once, uninterruptibly: loading a module and building the pool are short, and a
    // second caller waits for the first one's pool instead of building another.
    const build = yield* Effect.cached(
      Effect.uninterruptible(
        Effect.flatMap(poolModule, (module) =>
          Effect.tap(Effect.provide(module.make(options), context), (built) => {
            pool = built
          })
        )
      )
    )
    const withPool = <A>(
      endpoint: Endpoint,
      use: (pool: H2ConnectionPoolService) => Effect.Effect<A, RequestsError>
    ): Effect.Effect<A, RequestsError> =>
      pool !== undefined
        ? use(pool)
        : Effect.suspend(() =>
            pool !== undefined
              ? use(pool)
              : closed
                ? Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
                : Effect.flatMap(build, use)
          )
    const service: H2ConnectionPoolService = {
      // The hot path: once built, straight to the pool, no closure per exchange.
      exchange: (exchange) =>
        pool !== undefined
          ? pool.exchange(exchange)
          : withPool(exchange.endpoint, (p) => p.exchange(exchange)),
      adopt: (endpoint, dialed, connectionScope) =>
        withPool(endpoint, (p) => p.adopt(endpoint, dialed, connectionScope)),
      coalesce: (endpoint) =>
        Effect.suspend(() => (pool === undefined ? Effect.succeed(false) : pool.coalesce(endpoint))),
      misdirected: (endpoint) =>
        Effect.suspend(() => (pool === undefined ? Effect.void : pool.misdirected(endpoint))),
      warm: (endpoint, connections) => withPool(endpoint, (p) => p.warm(endpoint, connections)),
      stats: Effect.suspend(() => (pool === undefined ? Effect.succeed(noStats) : pool.stats)),
      flush: Effect.suspend(() => (pool === undefined ? Effect.void : pool.flush))
    }
    return service
  })
