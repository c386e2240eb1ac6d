/**
 * Chooses HTTP/1.1 or HTTP/2 per `https` endpoint by ALPN, and remembers
 * the choice.
 *
 * The first request to an endpoint whose protocol is unknown dials TLS
 * offering `h2` and `http/1.1`; the socket, with the scope it lives in, is
 * adopted by the pool that speaks what the server chose, so no handshake is
 * ever repeated. Requests that start meanwhile wait for that one discovery
 * instead of each dialing their own. Before dialing, an open HTTP/2
 * connection of another origin that is authoritative for this one is
 * offered the endpoint (connection coalescing); when it takes it, nothing is
 * dialed at all.
 *
 * @internal
 */
import { Deferred, Effect, Exit, FiberId, Ref, Scope } from "effect"
import type { Endpoint } from "../../Endpoint.js"
import type { RequestsError } from "../../Errors.js"
import type { Observer } from "../observe/observer.js"
import type { H1Pool } from "../h1/pool.js"
import type { H2ConnectionPool } from "../h2/pool.js"
import type { Dialer } from "../transport/dialer.js"

/** What an endpoint is known to speak. @internal */
export type ProtocolHint = "h1" | "h2"

interface Remembered {
  readonly protocol: ProtocolHint
  /** Clock time in ms after which the endpoint is asked again. */
  readonly expiresAt: number
}

/** @internal */
export interface ProtocolRouter {
  /** The protocol to use for the endpoint, discovering it (once, shared) if unknown. */
  readonly protocolFor: (endpoint: Endpoint) => Effect.Effect<ProtocolHint, RequestsError>
  /** Forgets what the endpoint speaks, after an error that casts doubt on it. */
  readonly forget: (endpoint: Endpoint) => Effect.Effect<void>
  /** Records what the endpoint speaks, e.g. after the server asked for HTTP/1.1. */
  readonly remember: (endpoint: Endpoint, protocol: ProtocolHint) => Effect.Effect<void>
  /** Hints known now, for stats and tests. */
  readonly hints: Effect.Effect<ReadonlyMap<string, ProtocolHint>>
}

const offered = { alpnProtocols: ["h2", "http/1.1"] }

/** @internal */
export const make = (options: {
  readonly dialer: Dialer["Type"]
  readonly h1: H1Pool["Type"]
  readonly h2: H2ConnectionPool["Type"]
  /** How long a learnt protocol is trusted, in ms. */
  readonly hintTtl: number
  readonly observer: Observer
}) =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const scope = yield* Effect.scope
    const known = yield* Ref.make<ReadonlyMap<string, Remembered>>(new Map())
    /** Discoveries under way, so a cold burst shares one. */
    const discovering = new Map<string, Deferred.Deferred<ProtocolHint, RequestsError>>()

    const remember = (endpoint: Endpoint, protocol: ProtocolHint) =>
      Ref.update(known, (hints) =>
        new Map(hints).set(endpoint.key, {
          protocol,
          expiresAt: clock.unsafeCurrentTimeMillis() + options.hintTtl
        })
      )

    const forget = (endpoint: Endpoint) =>
      Ref.update(known, (hints) => {
        if (!hints.has(endpoint.key)) return hints
        const next = new Map(hints)
        next.delete(endpoint.key)
        return next
      })

    /** Dials once, lets the right pool adopt the socket, and shares the answer. */
    const discover = (endpoint: Endpoint, done: Deferred.Deferred<ProtocolHint, RequestsError>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          if (yield* restore(options.h2.coalesce(endpoint))) {
            yield* remember(endpoint, "h2")
            return "h2" as const
          }
          const scope = yield* Scope.make()
          const dialed = yield* restore(Scope.extend(options.dialer.dial(endpoint, offered), scope)).pipe(
            Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
          )
          const protocol: ProtocolHint = dialed.alpnProtocol === "h2" ? "h2" : "h1"
          // From here the socket's scope belongs to the adopting pool.
          if (protocol === "h2") yield* options.h2.adopt(endpoint, dialed, scope)
          else yield* options.h1.adopt(endpoint, dialed, scope)
          if (options.observer.listener !== undefined) {
            options.observer.emit({
              _tag: "Adopted",
              endpoint: endpoint.key,
              protocol: protocol === "h2" ? "h2" : "http/1.1"
            })
          }
          yield* remember(endpoint, protocol)
          return protocol
        })
      ).pipe(
        Effect.exit,
        Effect.flatMap((exit) => Deferred.done(done, exit)),
        Effect.ensuring(Effect.sync(() => discovering.delete(endpoint.key)))
      )

    const protocolFor = (endpoint: Endpoint): Effect.Effect<ProtocolHint, RequestsError> =>
      Effect.flatMap(Ref.get(known), (hints) => {
        const hint = hints.get(endpoint.key)
        if (hint !== undefined && hint.expiresAt > clock.unsafeCurrentTimeMillis())
          return Effect.succeed(hint.protocol)
        const under = discovering.get(endpoint.key)
        if (under !== undefined) return Deferred.await(under)
        const done = Deferred.unsafeMake<ProtocolHint, RequestsError>(FiberId.none)
        discovering.set(endpoint.key, done)
        // The discovery runs in the client's scope: a caller that gives up must not
        // cancel it for the others, and closing the client stops it.
        return Effect.zipRight(Effect.forkIn(discover(endpoint, done), scope), Deferred.await(done))
      })

    const hints = Effect.map(Ref.get(known), (map): ReadonlyMap<string, ProtocolHint> => {
      const out = new Map<string, ProtocolHint>()
      for (const [key, value] of map) out.set(key, value.protocol)
      return out
    })

    return { protocolFor, forget, remember, hints } satisfies ProtocolRouter
  })
