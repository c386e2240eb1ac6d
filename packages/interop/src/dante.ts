/**
 * Dante (`danted`) on loopback as a SOCKS5 server, with a configuration
 * written to a temporary directory. It accepts clients from loopback and
 * connects only to loopback addresses; names it is asked to resolve go to
 * the system resolver (so `localhost` works, `a.test` does not).
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { locate } from "./binaries.js"
import { InteropError } from "./errors.js"
import { freePorts, loopback, pollUntil } from "./net.js"
import { awaitAccepting, spawnServer } from "./process.js"
import { makeDirectory, scratchDirectory, writeReadableFile } from "./scratch.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface DanteOptions {
  /** The danted binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /**
   * Ask every client for a username and password (RFC 1929), which danted
   * checks against the system's accounts (see `Accounts`). Default: `false`,
   * no authentication.
   */
  readonly usernameAuth?: boolean
}

/**
 * A running danted.
 *
 * @since 0.1.0
 */
export interface DanteServer {
  readonly port: number
  /** The log as written so far: one `pass` line per connection it carried. */
  readonly log: Effect.Effect<string, InteropError>
  /** Waits until the log satisfies `done`, and returns it. */
  readonly awaitLog: (done: (log: string) => boolean, what: string) => Effect.Effect<string, InteropError>
}

const configuration = (logs: string, port: number, method: string): string => `
logoutput: ${logs}/danted.log
internal: ${loopback} port = ${port}
external: ${loopback}
clientmethod: none
socksmethod: ${method}
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
}
socks pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
  command: connect
  log: connect error
}
socks block {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  log: connect error
}
`

/**
 * Starts danted on a free loopback port; it is stopped and its directory
 * removed when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: DanteOptions = {}): Effect.Effect<DanteServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("danted")
    if (binary === undefined) return yield* new InteropError({ message: "danted is not installed" })
    const dir = yield* scratchDirectory("dante")
    const logs = join(dir, "logs")
    yield* makeDirectory(logs, 0o777)
    const [port = 0] = yield* freePorts(1)
    const configPath = join(dir, "danted.conf")
    yield* writeReadableFile(
      configPath,
      configuration(logs, port, options.usernameAuth === true ? "username" : "none")
    )
    const server = yield* spawnServer({
      name: "danted",
      command: binary,
      args: ["-f", configPath, "-p", join(logs, "danted.pid"), "-N", "1"]
    })
    yield* awaitAccepting(server, [port])
    const path = join(logs, "danted.log")
    const log = Effect.tryPromise({
      // danted creates the log when it first writes to it.
      try: () => (existsSync(path) ? readFile(path, "utf8") : Promise.resolve("")),
      catch: (cause) => new InteropError({ message: "cannot read danted's log", cause })
    })
    return {
      port,
      log,
      awaitLog: (done, what) => pollUntil(log, done, what)
    } satisfies DanteServer
  })
