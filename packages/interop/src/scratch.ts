/**
 * The temporary directory each server runs in: its configuration, document
 * root, logs, pid file and temporary files, removed when the server's scope
 * closes.
 *
 * @since 0.1.0
 */
import { constants } from "node:fs"
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { InteropError } from "./errors.js"

/**
 * Files of a document root, by path relative to it.
 *
 * @since 0.1.0
 */
export type Site = Readonly<Record<string, string | Uint8Array>>

// Memory-backed when the machine has /dev/shm, so 20 MiB bodies never wait on a disk.
const parentDirectory = (): Promise<string> =>
  access("/dev/shm", constants.W_OK).then(
    () => "/dev/shm",
    () => tmpdir()
  )

/**
 * A fresh directory, world-readable because servers started as root serve
 * files from worker processes that dropped to an unprivileged user. Removed
 * with everything in it when the scope closes.
 *
 * @since 0.1.0
 */
export const scratchDirectory = (name: string): Effect.Effect<string, InteropError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const dir = await mkdtemp(join(await parentDirectory(), `effect-requests-interop-${name}-`))
        await chmod(dir, 0o755)
        return dir
      },
      catch: (cause) => new InteropError({ message: `cannot create a directory for ${name}`, cause })
    }),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )

/**
 * Creates `directory` (and its parents) with the given mode; `mkdir`'s own
 * mode is reduced by the umask.
 *
 * @since 0.1.0
 */
export const makeDirectory = (directory: string, mode = 0o755): Effect.Effect<void, InteropError> =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(directory, { recursive: true })
      await chmod(directory, mode)
    },
    catch: (cause) => new InteropError({ message: `cannot create ${directory}`, cause })
  })

/**
 * Writes a file, world-readable (see {@link scratchDirectory}).
 *
 * @since 0.1.0
 */
export const writeReadableFile = (
  path: string,
  content: string | Uint8Array
): Effect.Effect<void, InteropError> =>
  Effect.tryPromise({
    try: async () => {
      await writeFile(path, content)
      await chmod(path, 0o644)
    },
    catch: (cause) => new InteropError({ message: `cannot write ${path}`, cause })
  })

/**
 * Writes a document root: every file of `site` under `root`, directories
 * included.
 *
 * @since 0.1.0
 */
export const writeSite = (root: string, site: Site): Effect.Effect<void, InteropError> =>
  Effect.gen(function* () {
    yield* makeDirectory(root)
    for (const [path, content] of Object.entries(site)) {
      const target = join(root, path)
      yield* makeDirectory(dirname(target))
      yield* writeReadableFile(target, content)
    }
  })

/**
 * Reads a file the server wrote (a log, a generated password file) as UTF-8.
 *
 * @since 0.1.0
 */
export const readText = (path: string): Effect.Effect<string, InteropError> =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) => new InteropError({ message: `cannot read ${path}`, cause })
  })
