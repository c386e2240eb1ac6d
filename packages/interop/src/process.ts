/**
 * A server as a child process owned by a scope: spawned on acquire, ready
 * once it accepts connections, terminated and awaited on release.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { closeSync, openSync } from "node:fs"
import type { Duration } from "effect"
import { Deferred, Effect } from "effect"
import type * as Scope from "effect/Scope"
import { InteropError } from "./errors.js"
import { loopback, waitForAccept, withWallClock } from "./net.js"

/**
 * How a process ended.
 *
 * @since 0.1.0
 */
export interface ProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/**
 * A running server process.
 *
 * @since 0.1.0
 */
export interface ServerProcess {
  readonly name: string
  readonly pid: number
  /** Completes when the process has exited. */
  readonly exited: Effect.Effect<ProcessExit>
  /** The last 64 KiB the process wrote to its captured output, for error messages. */
  readonly output: Effect.Effect<string>
  /**
   * Terminates the process (SIGTERM, SIGKILL if it is still alive after
   * 10 seconds) and waits for it to exit. Safe to run more than once; the
   * scope runs it on release.
   */
  readonly stop: Effect.Effect<void>
}

/**
 * Options of {@link spawnServer}.
 *
 * @since 0.1.0
 */
export interface SpawnOptions {
  /** Short name for messages, e.g. `nginx`. */
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd?: string
  /** Send standard output to this file instead of capturing it, for servers that log there. */
  readonly stdoutFile?: string
}

const outputLimit = 64 * 1024

const describeExit = (exit: ProcessExit): string =>
  exit.signal !== null ? `signal ${exit.signal}` : `code ${String(exit.code)}`

const kill = (child: ChildProcess, signal: NodeJS.Signals): Effect.Effect<void> =>
  Effect.sync(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  })

/**
 * Spawns a server; the scope's release stops it (see {@link ServerProcess.stop}).
 * Fails if the command cannot be started.
 *
 * @since 0.1.0
 */
export const spawnServer = (options: SpawnOptions): Effect.Effect<ServerProcess, InteropError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const exited = yield* Deferred.make<ProcessExit>()
      let output = ""
      const capture = (chunk: Buffer): void => {
        output = (output + chunk.toString("utf8")).slice(-outputLimit)
      }
      const stdout = yield* Effect.try({
        try: () => (options.stdoutFile === undefined ? "pipe" : openSync(options.stdoutFile, "w")),
        catch: (cause) => new InteropError({ message: `cannot open ${options.stdoutFile}`, cause })
      })
      const child = spawn(options.command, [...options.args], {
        cwd: options.cwd,
        stdio: ["ignore", stdout, "pipe"]
      })
      // The child has its own copy of the descriptor now.
      if (typeof stdout === "number") closeSync(stdout)
      child.stdout?.on("data", capture)
      child.stderr?.on("data", capture)
      child.once("exit", (code, signal) => Deferred.unsafeDone(exited, Effect.succeed({ code, signal })))
      yield* Effect.async<void, InteropError>((resume) => {
        child.once("spawn", () => resume(Effect.void))
        child.once("error", (cause) =>
          resume(Effect.fail(new InteropError({ message: `cannot start ${options.name}`, cause })))
        )
      })
      const stop = Effect.gen(function* () {
        yield* kill(child, "SIGTERM")
        const graceful = yield* withWallClock(Deferred.await(exited).pipe(Effect.timeoutOption("10 seconds")))
        if (graceful._tag === "None") {
          yield* kill(child, "SIGKILL")
          yield* Deferred.await(exited)
        }
      })
      return {
        name: options.name,
        pid: child.pid ?? -1,
        exited: Deferred.await(exited),
        output: Effect.sync(() => output),
        stop
      } satisfies ServerProcess
    }),
    (server) => server.stop
  )

/**
 * Succeeds once the server accepts TCP connections on every one of `ports`
 * on {@link loopback}; fails with its output if it exits first or is not
 * accepting within `timeout`.
 *
 * @since 0.1.0
 */
export const awaitAccepting = (
  server: ServerProcess,
  ports: ReadonlyArray<number>,
  timeout: Duration.DurationInput = "10 seconds"
): Effect.Effect<void, InteropError> => {
  const failWithOutput = (reason: string, cause?: unknown) =>
    Effect.flatMap(server.output, (output) =>
      Effect.fail(new InteropError({ message: `${server.name} ${reason}; its output:\n${output}`, cause }))
    )
  const accepting = Effect.forEach(ports, (port) => waitForAccept(loopback, port, timeout), {
    discard: true
  }).pipe(Effect.catchAll((error) => failWithOutput("is not accepting connections", error)))
  const exited = Effect.flatMap(server.exited, (exit) =>
    failWithOutput(`exited (${describeExit(exit)}) before accepting connections`)
  )
  return Effect.raceFirst(accepting, exited)
}
