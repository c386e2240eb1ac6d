/**
 * Learning what an endpoint speaks: one TLS dial offering `h2` and
 * `http/1.1`, whose socket, with its scope, goes to the pool that speaks what
 * the server chose. Exchanges that ask meanwhile wait for that one dial.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import type { Protocol, RequestsError } from "../../Errors.js"
import type { H1PoolService } from "../h1/pool-service.js"
import type { H2ConnectionPoolService } from "../h2/pool.js"
import type { Observer } from "../observe/observer.js"
import type { DialerService } from "../transport/dialer.js"
import type { Hints } from "./hints.js"

const offered = { alpnProtocols: ["h2", "http/1.1"] }

/** What discovery works with. @internal */
export interface DiscoveryDeps {
  readonly dialer: DialerService
  readonly h1: H1PoolService
  readonly h2: H2ConnectionPoolService
  readonly observer: Observer
  readonly hints: Hints
  /** Where discoveries run: closing it stops them. */
  readonly scope: Scope.Scope
}

/**
 * Dials once and hands the socket to the pool that speaks what the server
 * chose; first offers the endpoint to an open HTTP/2 connection that may
 * carry it (coalescing), in which case nothing is dialed.
 */
const discover = (deps: DiscoveryDeps, endpoint: Endpoint): Effect.Effect<Protocol, RequestsError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      if (yield* restore(deps.h2.coalesce(endpoint))) {
        yield* deps.hints.remember(endpoint, "h2")
        return "h2" as const
      }
      const socketScope = yield* Scope.make()
      const dialed = yield* restore(Scope.extend(deps.dialer.dial(endpoint, offered), socketScope)).pipe(
        Effect.onError((cause) => Scope.close(socketScope, Exit.failCause(cause)))
      )
      const protocol: Protocol = dialed.alpnProtocol === "h2" ? "h2" : "http/1.1"
      // From here the socket's scope belongs to the adopting pool.
      if (protocol === "h2") yield* deps.h2.adopt(endpoint, dialed, socketScope)
      else yield* deps.h1.adopt(endpoint, dialed, socketScope)
      if (deps.observer.listener !== undefined) {
        deps.observer.emit({ _tag: "Adopted", endpoint: endpoint.key, protocol })
      }
      yield* deps.hints.remember(endpoint, protocol)
      return protocol
    })
  )

/**
 * Discovers what endpoints speak, one dial per endpoint however many ask.
 *
 * @internal
 */
export const makeDiscovery = (deps: DiscoveryDeps) => {
  /** Discoveries under way, so a cold burst shares one. */
  const discovering = new Map<string, Deferred.Deferred<Protocol, RequestsError>>()
  return (endpoint: Endpoint): Effect.Effect<Protocol, RequestsError> => {
    const under = discovering.get(endpoint.key)
    if (under !== undefined) return Deferred.await(under)
    const done = Deferred.unsafeMake<Protocol, RequestsError>(FiberId.none)
    discovering.set(endpoint.key, done)
    const run = discover(deps, endpoint).pipe(
      Effect.exit,
      Effect.flatMap((exit) => Deferred.done(done, exit)),
      Effect.ensuring(Effect.sync(() => discovering.delete(endpoint.key)))
    )
    // In the router's scope: a caller that gives up must not cancel the
    // discovery for the others, and closing the client stops it.
    return Effect.zipRight(Effect.forkIn(run, deps.scope), Deferred.await(done))
  }
}
