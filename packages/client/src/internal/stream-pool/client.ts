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
import * as http2 from "node:http2"
import { TimeoutError } from "../../Errors.js"
import { connect, type ConnectConfig, openStream, type PoolConnection, sessionEnded } from "./connection.js"
import { StreamNotFound, StreamPoolError } from "./errors.js"
import { isStreamId } from "./ids.js"
import { keepAlive } from "./keep-alive.js"
import { RoundState, runRounds } from "./manager.js"
import { makePooledStream, type PoolStats, type PooledStream } from "./pooled-stream.js"

const { NGHTTP2_CANCEL } = http2.constants
import { closeStream } from "./pooled-stream.js"
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

type Waiter = (stream: http2.ClientHttp2Stream | undefined) => void

class ClientState {
  readonly idle = new Map<string, http2.ClientHttp2Stream>()
  readonly waiters = new Map<string, Waiter>()
  readonly rounds: RoundState
  errors = 0
  connection: PoolConnection | undefined = undefined
  closed = false
  address = "unresolved"

  constructor(
    readonly config: ClientConfig,
    readonly runtime: Runtime.Runtime<never>
  ) {
    this.rounds = new RoundState(config.bounds)
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

  deliver(id: string, stream: http2.ClientHttp2Stream): void {
    if (this.closed) {
      stream.close(NGHTTP2_CANCEL)
      return
    }
    const waiter = this.waiters.get(id)
    if (waiter !== undefined) {
      this.waiters.delete(id)
      waiter(stream)
      return
    }
    this.idle.set(id, stream)
    stream.once("close", () => {
      if (this.idle.get(id) === stream) this.idle.delete(id)
    })
  }

  flush(): void {
    for (const stream of this.idle.values()) if (!stream.destroyed) stream.close(NGHTTP2_CANCEL)
    this.idle.clear()
  }

  close(): void {
    this.closed = true
    this.flush()
    for (const waiter of this.waiters.values()) waiter(undefined)
    this.waiters.clear()
  }
}

/** One connection's life: rounds, keep-alive and the end watch race until one fails. */
const serve = (state: ClientState, connection: PoolConnection): Effect.Effect<never, StreamPoolError> => {
  const { config } = state
  const secure = config.tls !== undefined
  const open = Effect.map(openStream(connection, secure, config.openTimeout), ({ id, stream }) =>
    state.deliver(id, stream)
  )
  const rounds = runRounds(
    state.rounds,
    () => state.idle.size,
    open,
    (result) => {
      const failed = result.attempts - result.successes
      if (failed > 0 && !connection.session.closed) {
        state.report(
          new StreamPoolError({
            address: connection.address,
            reason: "Open",
            detail: `${failed} of ${result.attempts} streams failed to open`
          })
        )
      }
    }
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
        state.idle.clear()
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
    yield* Effect.addFinalizer(() => Effect.sync(() => state.close()))

    const wait = (id: string) =>
      Effect.async<http2.ClientHttp2Stream, StreamNotFound>((resume) => {
        const waiter: Waiter = (stream) =>
          resume(
            stream === undefined
              ? Effect.fail(new StreamNotFound({ id, reason: "PoolClosed" }))
              : Effect.succeed(stream)
          )
        state.waiters.set(id, waiter)
        return Effect.sync(() => {
          if (state.waiters.get(id) === waiter) state.waiters.delete(id)
        })
      })

    const get = (id: string, timeout: Duration.DurationInput) => {
      const duration = Duration.decode(timeout)
      const take = Effect.suspend(
        (): Effect.Effect<http2.ClientHttp2Stream, StreamNotFound | TimeoutError> => {
          if (!isStreamId(id)) return Effect.fail(new StreamNotFound({ id, reason: "MalformedId" }))
          if (state.closed) return Effect.fail(new StreamNotFound({ id, reason: "PoolClosed" }))
          const stream = state.idle.get(id)
          if (stream !== undefined) {
            state.idle.delete(id)
            return Effect.succeed(stream)
          }
          return Effect.timeoutFail(wait(id), {
            duration,
            onTimeout: () =>
              new TimeoutError({
                endpoint: state.address,
                phase: "acquire",
                protocol: "h2",
                timeoutMillis: Duration.toMillis(duration)
              })
          })
        }
      )
      // The wait is interruptible (else its timeout could never cut it short);
      // only wrapping the stream and registering its release are not.
      return Effect.acquireRelease(
        Effect.flatMap(Effect.interruptible(take), (stream) => makePooledStream(id, stream)),
        (pooled) => Effect.sync(() => closeStream(pooled))
      )
    }

    return {
      get,
      stats: Effect.sync((): PoolStats => ({
        active: state.idle.size,
        capacity: state.rounds.tuning.capacity,
        intervalMillis: state.rounds.tuning.intervalMillis,
        errors: state.errors,
        ready: state.connection !== undefined && !state.closed
      })),
      flush: Effect.sync(() => state.flush()),
      resetErrors: Effect.sync(() => {
        state.errors = 0
      })
    }
  })
