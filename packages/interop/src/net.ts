/**
 * Loopback ports: finding free ones, and knowing when a server accepts on
 * them.
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import { Clock, Duration, Effect, Schedule } from "effect"
import { InteropError } from "./errors.js"

/**
 * The address every server of the suite listens on.
 *
 * @since 0.1.0
 */
export const loopback = "127.0.0.1"

const listening = Effect.acquireRelease(
  Effect.async<net.Server, InteropError>((resume) => {
    const server = net.createServer()
    server.once("error", (cause) =>
      resume(Effect.fail(new InteropError({ message: "cannot find a free port", cause })))
    )
    server.listen(0, loopback, () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.close((error) => resume(error === undefined ? Effect.void : Effect.die(error)))
    })
)

const portOf = (server: net.Server): Effect.Effect<number, InteropError> => {
  const address = server.address()
  return typeof address === "object" && address !== null
    ? Effect.succeed(address.port)
    : Effect.fail(new InteropError({ message: `unexpected listen address ${String(address)}` }))
}

/**
 * `count` distinct free ports on {@link loopback}. Every one is held until
 * all are known, so none comes twice; another process may still take one
 * before the server binds it, and the server then fails to start and says so.
 *
 * @since 0.1.0
 */
export const freePorts = (count: number): Effect.Effect<ReadonlyArray<number>, InteropError> =>
  Effect.scoped(Effect.forEach(Array.from({ length: count }), () => Effect.flatMap(listening, portOf)))

// One connection attempt; it settles only once the socket is closed, so no probe outlives the wait.
const connectOnce = (host: string, port: number): Effect.Effect<void, InteropError> =>
  Effect.async<void, InteropError>((resume) => {
    let outcome: Effect.Effect<void, InteropError> = Effect.void
    const socket = net.connect({ host, port })
    socket.once("connect", () => socket.destroy())
    socket.once("error", (cause) => {
      outcome = Effect.fail(new InteropError({ message: `nothing accepts on ${host}:${port}`, cause }))
    })
    socket.once("close", () => resume(outcome))
    return Effect.sync(() => socket.destroy())
  })

/**
 * Runs `effect` on the wall clock, so that waiting on a server process works
 * even in a test that runs under a `TestClock`.
 *
 * @since 0.1.0
 */
export const withWallClock = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withClock(effect, Clock.make())

/**
 * Succeeds once a TCP connection to `host:port` is accepted. A refused
 * attempt is repeated every 10 ms until `timeout`, after which the last
 * error is the failure.
 *
 * @since 0.1.0
 */
export const waitForAccept = (
  host: string,
  port: number,
  timeout: Duration.DurationInput = "10 seconds"
): Effect.Effect<void, InteropError> =>
  withWallClock(
    connectOnce(host, port).pipe(Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo(timeout))))
  )

/**
 * Reads `read` every 10 ms until `done` holds for what it returned, and
 * returns that; fails after `timeout` naming `what` was awaited. For state
 * that a server only reports in a file, such as a line in its log.
 *
 * @since 0.1.0
 */
export const pollUntil = <A, E>(
  read: Effect.Effect<A, E>,
  done: (value: A) => boolean,
  what: string,
  timeout: Duration.DurationInput = "10 seconds"
): Effect.Effect<A, E | InteropError> => {
  const loop: Effect.Effect<A, E> = Effect.flatMap(read, (value) =>
    done(value) ? Effect.succeed(value) : Effect.zipRight(Effect.sleep("10 millis"), loop)
  )
  return withWallClock(
    Effect.timeoutFail(loop, {
      duration: timeout,
      onTimeout: () =>
        new InteropError({ message: `timed out after ${Duration.format(timeout)} awaiting ${what}` })
    })
  )
}
