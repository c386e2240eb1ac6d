/**
 * The client end of a stream pool: keeps streams to a server open ahead of
 * need over one HTTP/2 connection, hands them out by the ID the server gave
 * them, reconnects through `resolve` when the connection dies.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type * as http2 from "node:http2"
import type { TimeoutError } from "../../Errors.js"
import { connect, type ConnectConfig, openStreams, type PoolConnection, sessionEnded } from "./connection.js"
import { type StreamNotFound, StreamPoolError } from "./errors.js"
import { keepAlive } from "./keep-alive.js"
import { RoundState, runRounds } from "./manager.js"
import { closeStream, makePooledStream, type PoolStats, type PooledStream } from "./pooled-stream.js"
import { Shelf } from "./shelf.js"
import type { TuningBounds } from "./tuning.js"

/** Options of a client pool, resolved. @internal */
export interface ClientConfig extends ConnectConfig {
  readonly bounds: TuningBounds
  readonly keepAlive: Duration.Duration
  readonly resolve: Effect.Effect<string, unknown>
  readonly onError: ((error: StreamPoolError) => void) | undefined
}

/** The client pool's face. @internal */
export interface ClientPool {
  readonly get: (
    id: string,
    timeout: Duration.DurationInput
  ) => Effect.Effect<PooledStream, StreamNotFound | TimeoutError, Scope.Scope>
  readonly stats: Effect.Effect<PoolStats>
  readonly flush: Effect.Effect<void>
  readonly resetErrors: Effect.Effect<void>
}

class ClientState {
  readonly shelf: Shelf<http2.ClientHttp2Stream>
  readonly rounds: RoundState
  errors = 0
  connection: PoolConnection | undefined = undefined
  address = "unresolved"

  constructor(
    readonly config: ClientConfig,
    readonly runtime: Runtime.Runtime<never>
  ) {
    this.rounds = new RoundState(config.bounds)
    this.shelf = new Shelf(() => this.address)
  }

  report(error: StreamPoolError): void {
    this.errors++
    this.config.onError?.(error)
    Runtime.runFork(this.runtime)(
      Effect.logWarning("stream pool client: " + error.message).pipe(
        Effect.annotateLogs({ reason: error.reason, address: error.address })
      )
    )
  }
}

/** One connection's life: rounds, keep-alive and the end watch race until one fails. */
const serve = (state: ClientState, connection: PoolConnection): Effect.Effect<never, StreamPoolError> => {
  const { config } = state
  const secure = config.tls !== undefined
  const put = (id: string, stream: http2.ClientHttp2Stream) => state.shelf.put(id, stream)
  const open = (attempts: number) =>
    Effect.map(openStreams(connection, secure, attempts, config.openTimeout, put), (batch) => {
      const failed = batch.attempts - batch.successes
      if (failed > 0 && !connection.session.closed) {
        const first = batch.firstFailure
        state.report(
          new StreamPoolError({
            address: connection.address,
            reason: first?.reason ?? "Open",
            detail: `${failed} of ${batch.attempts} streams failed to open${first === undefined ? "" : `, the first: ${first.detail}`}`,
            cause: first
          })
        )
      }
      return batch.successes
    })
  const rounds = runRounds(
    state.rounds,
    () => state.shelf.size,
    open,
    () => {}
  )
  // The first to end, failure included, ends the connection's life.
  return rounds.pipe(
    Effect.raceFirst(keepAlive(connection.session, connection.address, config.keepAlive)),
    Effect.raceFirst(sessionEnded(connection))
  )
}

/** Resolve, connect, serve; on failure report, back off and go again, forever. */
const manage = (state: ClientState): Effect.Effect<never> => {
  const { config } = state
  const { minIntervalMillis, maxIntervalMillis } = config.bounds
  let failures = 0
  const once = Effect.gen(function* () {
    const address = yield* Effect.mapError(
      config.resolve,
      (cause) =>
        new StreamPoolError({ address: state.address, reason: "Resolve", detail: String(cause), cause })
    )
    state.address = address
    yield* Effect.scoped(
      Effect.flatMap(connect(address, config), (connection) => {
        state.connection = connection
        failures = 0
        return serve(state, connection)
      })
    )
  })
  return Effect.forever(
    Effect.catchAll(once, (error) =>
      Effect.suspend(() => {
        state.connection = undefined
        // Streams nobody took died with the connection.
        state.shelf.forget()
        state.report(error)
        const delay = Math.min(
          maxIntervalMillis,
          Math.max(1, minIntervalMillis) * 2 ** Math.min(failures, 20)
        )
        failures++
        return Effect.sleep(delay)
      })
    )
  )
}

/** Starts a client pool in the current scope. @internal */
export const makeClient = (config: ClientConfig): Effect.Effect<ClientPool, never, Scope.Scope> =>
  Effect.gen(function* () {
    const state = new ClientState(config, yield* Effect.runtime<never>())
    yield* Effect.forkScoped(manage(state))
    // Finalizers run in reverse: idle streams are dropped first, so the
    // connection's graceful close (when the manager is interrupted next)
    // waits only for streams somebody holds.
    yield* Effect.addFinalizer(() => Effect.sync(() => state.shelf.shutDown()))

    const get = (id: string, timeout: Duration.DurationInput) => {
      const duration = Duration.decode(timeout)
      // The acquire is uninterruptible but for the wait inside `take`, so a
      // stream handed over either reaches the release or goes back.
      return Effect.acquireRelease(
        Effect.flatMap(state.shelf.take(id, duration), (stream) => makePooledStream(id, stream)),
        (pooled) => Effect.sync(() => closeStream(pooled))
      )
    }

    return {
      get,
      stats: Effect.sync((): PoolStats => ({
        active: state.shelf.size,
        capacity: state.rounds.tuning.capacity,
        intervalMillis: state.rounds.tuning.intervalMillis,
        errors: state.errors,
        ready: state.connection !== undefined && !state.shelf.isShut
      })),
      flush: Effect.sync(() => state.shelf.flush()),
      resetErrors: Effect.sync(() => {
        state.errors = 0
      })
    }
  })
