/**
 * How the HTTP/2 pool gets connections: dialing one (ALPN h2, or h2c), or
 * adopting a socket another step dialed; either way a connection whose
 * session lives in a scope the pool owns, with its SETTINGS and keep-alive
 * watchers running in that scope.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import {
  ClientClosedError,
  ClosedError,
  ProtocolError,
  type RequestsError,
  TimeoutError
} from "../../Errors.js"
import { transferScope } from "../pool/adopt-scope.js"
import type { Dialed, DialError, DialRequest } from "../transport/dialer.js"
import { watchAuthority } from "./coalescing.js"
import { H2Connection } from "./connection.js"
import { keepAlive } from "./health.js"
import type { H2PoolState } from "./pool-state.js"

/** Lets an interruptible region back into an uninterruptible one. @internal */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

const dialH2: DialRequest = { alpnProtocols: ["h2"] }

const alpnError = (endpoint: Endpoint, dialed: Dialed): ProtocolError | undefined =>
  endpoint.scheme === "https" && dialed.alpnProtocol !== "h2"
    ? new ProtocolError({
        endpoint: endpoint.key,
        protocol: "h2",
        phase: "tls",
        reason: "AlpnMismatch",
        detail: `server selected ${dialed.alpnProtocol ?? "no ALPN protocol"}, not h2`
      })
    : undefined

/**
 * A server that speaks ALPN but not h2 ends the handshake with the
 * no_application_protocol alert: the protocol, not TLS, is what failed.
 */
const alpnRefused = (error: DialError): RequestsError =>
  error._tag === "TlsError" && error.code === "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL"
    ? new ProtocolError({
        endpoint: error.endpoint,
        protocol: "h2",
        phase: "tls",
        reason: "AlpnMismatch",
        detail: "server refused ALPN h2 (no_application_protocol)"
      })
    : error

/** Why a dialed socket cannot become a connection, if it cannot. */
const refusal = (state: H2PoolState, endpoint: Endpoint, dialed: Dialed): RequestsError | undefined => {
  if (!state.open) return new ClientClosedError({ endpoint: endpoint.key })
  const alpn = alpnError(endpoint, dialed)
  if (alpn !== undefined) return alpn
  return dialed.socket.destroyed
    ? new ClosedError({
        endpoint: endpoint.key,
        protocol: "h2",
        phase: "settings",
        reused: false,
        responseStarted: false,
        cause: new Error("socket closed before the session started")
      })
    : undefined
}

/**
 * Ends a connection whose server sent no SETTINGS in time, or did not
 * acknowledge ours (RFC 9113 §6.5.3: a peer that never applies our limits
 * may be holding us to none of them).
 */
const settingsWatch = (state: H2PoolState, connection: H2Connection): Effect.Effect<void> =>
  Effect.timeoutTo(
    Effect.exit(Effect.zipRight(Deferred.await(connection.settings), Deferred.await(connection.settingsAck))),
    {
      duration: state.options.settingsTimeout,
      onSuccess: () => false,
      onTimeout: () => true
    }
  ).pipe(
    Effect.flatMap((timedOut) =>
      timedOut
        ? Effect.sync(() =>
            connection.terminate(
              new TimeoutError({
                endpoint: connection.endpointKey,
                phase: "settings",
                protocol: "h2",
                timeoutMillis: state.options.settingsTimeout
              }),
              undefined
            )
          )
        : Effect.void
    )
  )

/**
 * Makes a connection of an established socket living in `scope` (a scope
 * the pool owns) and starts its watchers there. With `reserve`, the caller
 * takes its first slot: the one stream allowed before SETTINGS goes to
 * whoever dialed.
 */
const register = (
  state: H2PoolState,
  endpoint: Endpoint,
  dialed: Dialed,
  scope: Scope.CloseableScope,
  reserve: boolean
): Effect.Effect<H2Connection, RequestsError> =>
  Effect.suspend((): Effect.Effect<H2Connection, RequestsError> => {
    const refused = refusal(state, endpoint, dialed)
    if (refused !== undefined)
      return Effect.zipRight(Scope.close(scope, Exit.fail(refused)), Effect.fail(refused))
    const connection = new H2Connection(endpoint, dialed, state)
    if (reserve) connection.takeSlot()
    state.scopes.set(connection, scope)
    if (state.options.coalescing && endpoint.scheme === "https") watchAuthority(state, connection, dialed)
    state.queueFor(endpoint).connections.push(connection)
    return Effect.gen(function* () {
      yield* Scope.addFinalizer(
        scope,
        Effect.sync(() =>
          connection.terminate(new ClientClosedError({ endpoint: connection.endpointKey }), undefined)
        )
      )
      if (Number.isFinite(state.options.settingsTimeout)) {
        yield* Effect.forkIn(Effect.interruptible(settingsWatch(state, connection)), scope)
      }
      yield* Effect.forkIn(
        Effect.interruptible(keepAlive(connection, state.options, () => state.now())),
        scope
      )
      return connection
    })
  })

/**
 * Dials a connection for the caller, who holds its first slot.
 *
 * @internal
 */
export const dial = (
  state: H2PoolState,
  endpoint: Endpoint,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> =>
  Effect.flatMap(Scope.fork(state.connectionsScope, ExecutionStrategy.sequential), (scope) =>
    restore(Scope.extend(state.dialer.dial(endpoint, dialH2), scope)).pipe(
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))),
      Effect.mapError(alpnRefused),
      Effect.flatMap((dialed) => register(state, endpoint, dialed, scope, true))
    )
  )

/**
 * Takes over a socket dialed elsewhere: its scope moves into the pool's, and
 * the endpoint's waiters may use the new connection at once.
 *
 * @internal
 */
export const adopt = (
  state: H2PoolState,
  endpoint: Endpoint,
  dialed: Dialed,
  adopted: Scope.CloseableScope
): Effect.Effect<void, RequestsError> =>
  Effect.uninterruptible(
    transferScope(adopted, state.connectionsScope).pipe(
      Effect.flatMap((owned) => register(state, endpoint, dialed, owned, false)),
      Effect.flatMap(() =>
        Effect.sync(() => {
          const queue = state.queues.get(endpoint.key)
          if (queue?.hasWaiters === true) queue.dispatch()
        })
      )
    )
  )
