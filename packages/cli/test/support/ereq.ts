import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"

/** The built executable, as published: the bundle the `ereq` bin runs. */
export const bin = fileURLToPath(new URL("../../dist/ereq.js", import.meta.url))

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly bytes: Buffer
}

/**
 * Runs `ereq` with `args` to its end, standard output and error piped. Killed
 * after `timeoutMillis` (a bound, not a wait), which fails the test.
 */
export const ereq = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly timeoutMillis?: number } = {}
): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMillis ?? 30_000)
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const bytes = Buffer.concat(out)
      resume(
        Effect.succeed({
          code: code ?? (signal === null ? -1 : 128),
          stdout: bytes.toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          bytes
        })
      )
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })
