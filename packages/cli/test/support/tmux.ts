import { execFileSync } from "node:child_process"
import { mkdtempSync, watch, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Wait } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** A tmux session on a server of its own: a real terminal for `ereq`. */
export interface Terminal {
  /** Types a line and presses Enter. */
  readonly type: (line: string) => Effect.Effect<void>
  /** What the screen shows now; with `escapes`, with its colours as ANSI escapes. */
  readonly screen: (escapes?: boolean) => Effect.Effect<string>
  /** Resolves with the screen once `predicate` holds for it; fails after `timeoutMillis` of real time. */
  readonly awaitScreen: (
    predicate: (screen: string) => boolean,
    timeoutMillis?: number
  ) => Effect.Effect<string, Wait.WaitTimeout>
}

/**
 * Opens a `columns`×`rows` tmux session running `sh`, closed with the scope.
 * Everything the pane prints is also appended to a file, whose changes wake
 * up {@link Terminal.awaitScreen}: it waits for output, never for time.
 */
export const terminal = (columns = 100, rows = 12): Effect.Effect<Terminal, never, Scope.Scope> =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "ereq-tmux-"))
    const socket = `ereq-test-${process.pid}-${Math.random().toString(36).slice(2)}`
    const log = join(dir, "pane.log")
    writeFileSync(log, "")
    const tmux = (...args: ReadonlyArray<string>) =>
      execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" })
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        tmux(
          "-f",
          "/dev/null",
          "new-session",
          "-d",
          "-s",
          "t",
          "-x",
          String(columns),
          "-y",
          String(rows),
          "env PS1='$ ' sh"
        )
        tmux("set-option", "-t", "t", "remain-on-exit", "on")
        tmux("pipe-pane", "-t", "t", "-o", `cat >> ${log}`)
      }),
      () => Effect.sync(() => tmux("kill-server"))
    )
    const screen = (escapes = false) =>
      Effect.sync(() => tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "t"))
    const awaitScreen = (predicate: (screen: string) => boolean, timeoutMillis = 15_000) => {
      let last = ""
      const wait = Effect.async<string>((resume) => {
        const check = () => {
          last = tmux("capture-pane", "-p", "-t", "t")
          if (predicate(last)) {
            watcher.close()
            resume(Effect.succeed(last))
          }
        }
        const watcher = watch(log, check)
        check()
        return Effect.sync(() => watcher.close())
      })
      return Wait.within(
        wait,
        { helper: "awaitScreen", unit: "matching screen", target: 1, seen: () => (predicate(last) ? 1 : 0) },
        { timeoutMillis }
      ).pipe(Effect.tapError(() => Effect.sync(() => process.stderr.write(`last screen:\n${last}\n`))))
    }
    return {
      type: (line) =>
        Effect.sync(() => void tmux("send-keys", "-t", "t", "-l", line)).pipe(
          Effect.zipRight(Effect.sync(() => void tmux("send-keys", "-t", "t", "Enter")))
        ),
      screen,
      awaitScreen
    }
  })
