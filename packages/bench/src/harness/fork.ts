import { fork } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"

/** packages/bench, from src/harness or dist/harness alike. */
export const benchDir = fileURLToPath(new URL("../..", import.meta.url))

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/**
 * Processes started from sources resolve `@effect-requests/*` to sources through this file's `paths`, like
 * the tests do, so they never run a stale build.
 */
const sourceTsconfig = fileURLToPath(new URL("tsconfig.run.json", pathToFileURL(benchDir)))

/**
 * How child processes are started. `compiled` runs `tsc -b` output with plain node; `source` runs the
 * TypeScript sources through tsx, whose loader thread adds tens of MiB to every process's RSS.
 */
export interface Launcher {
  readonly kind: "compiled" | "source"
  /** Absolute path of a module given relative to src/ without extension, e.g. "harness/child". */
  readonly module: (name: string) => string
}

export const sourceLauncher: Launcher = {
  kind: "source",
  module: (name) => fileURLToPath(new URL(`src/${name}.ts`, pathToFileURL(benchDir)))
}

export const compiledLauncher: Launcher = {
  kind: "compiled",
  module: (name) => fileURLToPath(new URL(`dist/${name}.js`, pathToFileURL(benchDir)))
}

export const forkModule = (modulePath: string, env: Readonly<Record<string, string>> = {}): ChildProcess =>
  modulePath.endsWith(".ts")
    ? fork(modulePath, [], {
        execArgv: ["--import", tsxLoader],
        env: { ...process.env, ...env, TSX_TSCONFIG_PATH: sourceTsconfig },
        stdio: ["ignore", "pipe", "pipe", "ipc"]
      })
    : fork(modulePath, [], {
        execArgv: [],
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe", "ipc"]
      })

/** Keeps the last bytes a child printed, for failure reports. */
export const captureOutput = (child: ChildProcess, limit = 4096): (() => string) => {
  let tail = ""
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-limit)
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  return () => tail.trim()
}
