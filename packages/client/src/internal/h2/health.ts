/**
 * Liveness of HTTP/2 connections, on Effect's Clock so tests drive it with
 * `TestClock`: a PING when a connection has been quiet for `pingInterval`,
 * a PING before reusing one silent for `pingBeforeReuseAfter`, a deadline
 * of `pingTimeout` for each, and closing connections idle for `idleTimeout`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { TimeoutError } from "../../Errors.js"
import type { H2Connection } from "./connection.js"
import type { ResolvedH2Options } from "./options.js"

/**
 * What a PING found: its answer came (`"alive"`), no PING went out
 * (`"unsent"`: the session is closing, or too many are unanswered, whose own
 * deadlines stand), or the connection is gone (`"dead"`, also when
 * `pingTimeout` passed first, which declares it dead and fails every
 * exchange on it).
 *
 * @internal
 */
export type PingResult = "alive" | "unsent" | "dead"

/**
 * Sends a PING and waits for its acknowledgement, at most `pingTimeout`.
 *
 * @internal
 */
export const ping = (connection: H2Connection, pingTimeout: number): Effect.Effect<PingResult> =>
  Effect.async<PingResult>((resume) => {
    if (connection.sessionGone) return resume(Effect.succeed("dead"))
    const sent = connection.session.ping((ok) => {
      if (ok) connection.markHeard()
      resume(Effect.succeed(ok ? "alive" : "dead"))
    })
    if (!sent) resume(Effect.succeed("unsent"))
  }).pipe(
    Effect.timeoutTo({
      duration: pingTimeout,
      onSuccess: (result): Effect.Effect<PingResult> => Effect.succeed(result),
      onTimeout: () =>
        Effect.sync((): PingResult => {
          const error = new TimeoutError({
            endpoint: connection.endpointKey,
            phase: "idle",
            protocol: "h2",
            timeoutMillis: pingTimeout
          })
          connection.terminate(undefined, error)
          return "dead"
        })
    }),
    Effect.flatten
  )

/**
 * Whether a connection about to carry a request has been silent long enough
 * to be pinged first. Only an otherwise idle connection qualifies: streams
 * in flight would have shown a dead peer through the keep-alive already.
 * With no stream in flight, `lastHeard` is exact: every stream's end and
 * every PONG set it.
 *
 * @internal
 */
export const needsPingBeforeReuse = (
  connection: H2Connection,
  options: ResolvedH2Options,
  now: number
): boolean => connection.active === 1 && now - connection.lastHeard >= options.pingBeforeReuseAfter

/**
 * The keep-alive and idle reaper of one connection; runs until the
 * connection is gone. Data frames only set `heard` (a field write per chunk),
 * folded here into `lastHeard` when the loop wakes.
 *
 * @internal
 */
export const keepAlive = (
  connection: H2Connection,
  options: ResolvedH2Options,
  now: () => number
): Effect.Effect<void> => {
  const { idleTimeout, pingInterval, pingTimeout } = options
  if (!Number.isFinite(idleTimeout) && !Number.isFinite(pingInterval)) return Effect.void
  const step: Effect.Effect<void> = Effect.suspend(() => {
    if (connection.closed) return Effect.void
    const t = now()
    if (connection.heard) {
      connection.heard = false
      connection.lastHeard = t
    }
    const idle = connection.active === 0
    if (idle && t - connection.idleSince >= idleTimeout) {
      connection.drain()
      return Effect.void
    }
    if (t - connection.lastHeard >= pingInterval) {
      return Effect.flatMap(ping(connection, pingTimeout), (result) => {
        if (result === "dead") return Effect.void
        // The PONG was heard: the next check follows from it.
        if (result === "alive") return step
        // No PING went out: neither engine sends one on a session it is closing
        // (after a GOAWAY, while streams finish) or with too many unanswered.
        // Asking again at once would spin; look again after a round.
        return Effect.zipRight(Effect.sleep(pingInterval), step)
      })
    }
    // A busy connection rechecks after idleTimeout: it may be idle by then.
    const wake = Math.min(
      connection.lastHeard + pingInterval,
      idle ? connection.idleSince + idleTimeout : t + idleTimeout
    )
    return Effect.zipRight(Effect.sleep(Math.max(wake - t, 1)), step)
  })
  return step
}
