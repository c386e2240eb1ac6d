/**
 * `H1Pool`: owns every HTTP/1.1 connection. Requests borrow a connection,
 * use it for one exchange, and the connection returns itself when the
 * exchange completes cleanly.
 *
 * @since 0.1.0
 */
import { Context, Effect, ExecutionStrategy, Exit, Layer, Scope } from "effect"
import type { Endpoint } from "../endpoint.js"
import { ClientClosedError, type ConnectError, type TimeoutError, type TlsError } from "../errors.js"
import { Dialer } from "../transport/dialer.js"
import { type ConnectionOwner, H1Connection } from "./connection.js"

/**
 * Options of the HTTP/1.1 pool, given as `h1` in `Requests.layer`.
 *
 * @since 0.1.0
 */
export interface H1Options {
  /** Largest response head (status line and header fields) accepted, in bytes. Default `16384`. */
  readonly maxHeaderBytes?: number
  /** Most header fields accepted in a response head, and in its trailers. Default `100`. */
  readonly maxHeaderCount?: number
  /** Response bytes buffered for a reader that has not caught up before reading from the socket pauses. Default `65536`. */
  readonly highWaterMark?: number
}

/**
 * The HTTP/1.1 connection pool.
 *
 * @since 0.1.0
 */
export class H1Pool extends Context.Tag("@effect-requests/client/H1Pool")<
  H1Pool,
  {
    /** An idle connection to the endpoint, taken without waiting, or `undefined` when there is none. */
    readonly takeIdle: (endpoint: Endpoint) => H1Connection | undefined
    /** A connection to the endpoint with no exchange in flight: an idle one if any, else a new one. */
    readonly acquire: (
      endpoint: Endpoint
    ) => Effect.Effect<H1Connection, ConnectError | TlsError | TimeoutError | ClientClosedError>
  }
>() {
  /**
   * The pool as a scoped layer: closing it closes every connection it owns.
   *
   * @since 0.1.0
   */
  static readonly layer = (options: H1Options = {}): Layer.Layer<H1Pool, never, Dialer> =>
    Layer.scoped(H1Pool, make(options))
}

/**
 * Builds the pool in the current scope.
 *
 * @since 0.1.0
 */
export const make = (options: H1Options = {}) =>
  Effect.gen(function* () {
    const dialer = yield* Dialer
    const poolScope = yield* Effect.scope
    const connectionOptions = {
      parserLimits: {
        maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
        maxHeaderCount: options.maxHeaderCount ?? 100
      },
      highWaterMark: options.highWaterMark ?? 64 * 1024
    }
    /** Idle connections per endpoint key; the end of each array is the most recently used. */
    const idle = new Map<string, Array<H1Connection>>()
    const scopes = new Map<H1Connection, Scope.CloseableScope>()
    let open = true

    yield* Scope.addFinalizer(
      poolScope,
      Effect.sync(() => {
        open = false
        idle.clear()
      })
    )

    const owner: ConnectionOwner = {
      release(connection) {
        if (!open) return connection.destroy()
        let list = idle.get(connection.endpoint.key)
        if (list === undefined) {
          list = []
          idle.set(connection.endpoint.key, list)
        }
        list.push(connection)
      },
      closed(connection) {
        const list = idle.get(connection.endpoint.key)
        if (list !== undefined) {
          const i = list.indexOf(connection)
          if (i >= 0) list.splice(i, 1)
        }
        const scope = scopes.get(connection)
        if (scope !== undefined) {
          scopes.delete(connection)
          // Socket events call this outside any fiber; the finalizers are synchronous.
          Effect.runFork(Scope.close(scope, Exit.void))
        }
      }
    }

    const takeIdle = (endpoint: Endpoint): H1Connection | undefined => {
      const list = idle.get(endpoint.key)
      if (list === undefined) return undefined
      let connection = list.pop()
      while (connection !== undefined && !connection.reusable) {
        connection.destroy()
        connection = list.pop()
      }
      return connection
    }

    const connect = (endpoint: Endpoint) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const scope = yield* Scope.fork(poolScope, ExecutionStrategy.sequential)
          const dialed = yield* restore(Scope.extend(dialer.dial(endpoint), scope)).pipe(
            Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
          )
          const connection = new H1Connection(endpoint, dialed.socket, owner, connectionOptions)
          scopes.set(connection, scope)
          return connection
        })
      )

    const acquire = (
      endpoint: Endpoint
    ): Effect.Effect<H1Connection, ConnectError | TlsError | TimeoutError | ClientClosedError> =>
      Effect.suspend(
        (): Effect.Effect<H1Connection, ConnectError | TlsError | TimeoutError | ClientClosedError> => {
          if (!open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
          const connection = takeIdle(endpoint)
          return connection !== undefined ? Effect.succeed(connection) : connect(endpoint)
        }
      )

    return H1Pool.of({ takeIdle, acquire })
  })
