/**
 * A system account for servers that check credentials against the system's
 * password database, as danted's `username` method does. The account has no
 * home and no login shell; its password is new on every run. An account this
 * module created is deleted when the scope closes, so the machine is left as
 * it was found.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { InteropError } from "./errors.js"

/**
 * A username and the password set on it for this run.
 *
 * @since 0.1.0
 */
export interface SystemAccount {
  readonly username: string
  readonly password: string
}

/**
 * Why system accounts cannot be made here, or `undefined` when they can:
 * creating one needs root and the `useradd` tools.
 *
 * @since 0.1.0
 */
export const unavailable = (): string | undefined =>
  process.getuid?.() === 0 ? undefined : "creating a system account needs root"

const run = (
  command: string,
  args: ReadonlyArray<string>,
  input?: string
): Effect.Effect<number, InteropError> =>
  Effect.async<number, InteropError>((resume) => {
    const child = execFile(command, [...args], (error) => {
      if (error === null) return resume(Effect.succeed(0))
      const code = typeof error.code === "number" ? error.code : undefined
      return code === undefined
        ? resume(Effect.fail(new InteropError({ message: `cannot run ${command}`, cause: error })))
        : resume(Effect.succeed(code))
    })
    child.stdin?.end(input)
  })

const succeed = (
  command: string,
  args: ReadonlyArray<string>,
  input?: string
): Effect.Effect<void, InteropError> =>
  Effect.flatMap(run(command, args, input), (code) =>
    code === 0
      ? Effect.void
      : Effect.fail(new InteropError({ message: `${command} ${args[0] ?? ""} exited with ${code}` }))
  )

/**
 * Makes sure `username` exists as a locked-down system account with a fresh
 * random password, for the life of the scope.
 *
 * @since 0.1.0
 */
export const make = (username: string): Effect.Effect<SystemAccount, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const why = unavailable()
    if (why !== undefined) return yield* new InteropError({ message: why })
    const password = randomBytes(12).toString("hex")
    yield* Effect.acquireRelease(
      Effect.flatMap(run("id", ["-u", username]), (code) =>
        code === 0
          ? Effect.succeed(false)
          : Effect.as(
              succeed("useradd", [
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                "--comment",
                "effect-requests interop",
                username
              ]),
              true
            )
      ),
      (created) => (created ? Effect.orDie(succeed("userdel", [username])) : Effect.void)
    )
    yield* succeed("chpasswd", [], `${username}:${password}\n`)
    return { username, password }
  })
