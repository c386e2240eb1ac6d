/**
 * Finding the server binaries, and deciding what their absence means: a
 * skip with a reason on a developer's machine, a failure under CI.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import { statSync } from "node:fs"
import { delimiter, join } from "node:path"
import { Effect } from "effect"
import { InteropError } from "./errors.js"

// nginx and nghttpd live in sbin, which a non-root PATH often lacks.
const extraDirectories = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin"]

/**
 * Absolute path of the executable `name`, looked up on `PATH` and then in the
 * usual bin and sbin directories; `undefined` when there is none.
 *
 * @since 0.1.0
 */
export const locate = (name: string): string | undefined => {
  const directories = new Set([...(process.env.PATH ?? "").split(delimiter), ...extraDirectories])
  for (const directory of directories) {
    if (directory === "") continue
    const candidate = join(directory, name)
    const stats = statSync(candidate, { throwIfNoEntry: false })
    if (stats !== undefined && stats.isFile() && (stats.mode & 0o111) !== 0) return candidate
  }
  return undefined
}

/**
 * Whether the `CI` environment variable asks for every server to be present.
 * Set to anything but empty, `0` or `false`, it does.
 *
 * @since 0.1.0
 */
export const isCi = (): boolean => {
  const value = process.env.CI?.trim().toLowerCase()
  return value !== undefined && value !== "" && value !== "0" && value !== "false"
}

/**
 * A server binary the suite needs, found or not.
 *
 * @since 0.1.0
 */
export interface ServerBinary {
  readonly name: string
  /** Absolute path; `undefined` when the binary is missing. */
  readonly path: string | undefined
  /** Why tests that need it are skipped, when it is missing. */
  readonly skipReason: string | undefined
}

/**
 * Looks up a server binary for a test file, at collection time.
 *
 * When it is missing, the tests that need it are to be skipped, and the
 * reason is printed; under CI (see {@link isCi}) a missing binary throws
 * instead, failing the file, so that CI cannot go green by skipping.
 *
 * @since 0.1.0
 */
export const requireServer = (name: string, debianPackage: string): ServerBinary => {
  const path = locate(name)
  if (path !== undefined) return { name, path, skipReason: undefined }
  const skipReason = `${name} is not installed (Debian package ${debianPackage})`
  if (isCi()) {
    throw new Error(`${skipReason}, and CI is set: the interop suite must run against it, not skip it`)
  }
  console.warn(`interop: skipping the ${name} tests: ${skipReason}`)
  return { name, path: undefined, skipReason }
}

/**
 * A suite title that carries the skip reason when the binary is missing, so
 * the report says why its tests did not run.
 *
 * @since 0.1.0
 */
export const suiteTitle = (binary: ServerBinary, title: string): string =>
  binary.skipReason === undefined ? title : `${title} [skipped: ${binary.skipReason}]`

/**
 * A server's version as `binary -v` prints it, e.g. `nginx/1.22.1`: the
 * first match of `pattern` in what it printed (nginx prints to stderr, the
 * others to stdout), or `name` when nothing matches.
 *
 * @since 0.1.0
 */
export const version = (binary: string, name: string, pattern: RegExp): Effect.Effect<string, InteropError> =>
  Effect.async<string, InteropError>((resume) => {
    execFile(binary, ["-v"], (error, stdout, stderr) =>
      resume(
        error === null
          ? Effect.succeed(pattern.exec(`${stdout}${stderr}`)?.[0] ?? name)
          : Effect.fail(new InteropError({ message: `${binary} -v failed`, cause: error }))
      )
    )
  })
