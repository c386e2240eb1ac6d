import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { compiledLauncher, sourceLauncher, benchDir } from "./fork.js"
import type { Launcher } from "./fork.js"
import { errorMessage } from "./messages.js"

export interface PreparedLauncher {
  readonly launcher: Launcher
  /** What the report should say about how the measured processes were built. */
  readonly note: string
}

const firstLines = (text: string, count: number): string => text.trim().split("\n").slice(0, count).join("; ")

/**
 * Compiles the bench and the packages it references with `tsc -b`, so that client processes run plain
 * JavaScript and their RSS is the client's, not a TypeScript loader's. `tsc -b` emits even when it reports
 * type errors; those are reported, and a client that cannot load fails on its own row.
 */
export const prepareLauncher = async (): Promise<PreparedLauncher> => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  const outcome = await new Promise<{ readonly code: number; readonly output: string }>((resolve) => {
    execFile(
      process.execPath,
      [tsc, "-b", benchDir],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
        resolve({
          code,
          output: `${stdout}${stderr}${error !== null && code === -1 ? errorMessage(error) : ""}`
        })
      }
    )
  })
  const child = compiledLauncher.module("harness/child")
  if (!existsSync(child)) {
    return {
      launcher: sourceLauncher,
      note:
        `tsc -b produced no ${child} (${firstLines(outcome.output, 3)}); clients run from sources under tsx, ` +
        "whose loader adds to every RSS figure"
    }
  }
  return {
    launcher: compiledLauncher,
    note:
      outcome.code === 0
        ? "compiled with tsc -b, run with plain node"
        : `compiled with tsc -b despite type errors (${firstLines(outcome.output, 3)}), run with plain node`
  }
}
