/**
 * squid on loopback as an HTTP forward proxy (absolute-form requests and
 * CONNECT tunnels), with a configuration written to a temporary directory;
 * optionally demanding Basic credentials, checked by `basic_ncsa_auth`
 * against a generated password file.
 *
 * Every request squid handles is logged (see {@link SquidLogEntry}), so a
 * test can tell what went through the proxy and what went around it.
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
export interface SquidOptions {
  /** The squid binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /** Demand Basic proxy credentials: this user, with {@link password}. Default: no authentication. */
  readonly requireAuth?: boolean
}

/**
 * The user and password squid accepts when `requireAuth` is set.
 *
 * @since 0.1.0
 */
export const user = "interop"

/** @since 0.1.0 */
export const password = "secret"

// `openssl passwd -1 -salt interop secret`: basic_ncsa_auth reads MD5-crypt.
const passwordLine = `${user}:$1$interop$xzlohXVvdOROU.alU3G23/\n`

/**
 * One line of squid's access log.
 *
 * @since 0.1.0
 */
export interface SquidLogEntry {
  /** e.g. `GET` or `CONNECT`. */
  readonly method: string
  /** The absolute URL, or `host:port` for CONNECT. */
  readonly url: string
  readonly status: number
  /** The authenticated user; `undefined` without one. */
  readonly user: string | undefined
}

/**
 * A running squid.
 *
 * @since 0.1.0
 */
export interface SquidServer {
  readonly port: number
  /** `http://127.0.0.1:<port>`, without credentials. */
  readonly url: string
  /** The access log as logged so far. */
  readonly accessLog: Effect.Effect<ReadonlyArray<SquidLogEntry>, InteropError>
  /** Waits until the access log satisfies `done`, and returns it. */
  readonly awaitAccessLog: (
    done: (entries: ReadonlyArray<SquidLogEntry>) => boolean,
    what: string
  ) => Effect.Effect<ReadonlyArray<SquidLogEntry>, InteropError>
}

/**
 * Parses an access log written with this module's format.
 *
 * @since 0.1.0
 */
export const parseAccessLog = (text: string): ReadonlyArray<SquidLogEntry> =>
  text
    .split("\n")
    .map((line): SquidLogEntry => {
      const [method = "", url = "", status = "", name = "-"] = line.split(" ")
      return { method, url, status: Number(status), user: name === "-" ? undefined : name }
    })
    // The readiness probe connects and closes without a request: squid logs that as an error transaction.
    .filter((entry) => entry.method !== "" && !entry.url.startsWith("error:"))

const configuration = (dir: string, logs: string, port: number, auth: string | undefined): string => `
http_port ${loopback}:${port}
pid_filename ${logs}/squid.pid
logformat interop %rm %ru %>Hs %un
access_log stdio:${logs}/access.log interop
cache_log ${logs}/cache.log
cache_store_log none
cache deny all
coredump_dir ${logs}
visible_hostname interop
shutdown_lifetime 0 seconds
pinger_enable off
dns_v4_first on
acl to_loopback dst 127.0.0.0/8
acl CONNECT method CONNECT
${
  auth === undefined
    ? ""
    : `auth_param basic program ${auth} ${dir}/passwd
auth_param basic realm interop
acl authenticated proxy_auth REQUIRED
http_access deny !authenticated
`
}http_access allow to_loopback
http_access deny all
`

/**
 * Starts squid on a free loopback port; it is stopped and its directory
 * removed when the scope closes. It only forwards to loopback addresses.
 *
 * @since 0.1.0
 */
export const make = (options: SquidOptions = {}): Effect.Effect<SquidServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("squid")
    if (binary === undefined) return yield* new InteropError({ message: "squid is not installed" })
    const dir = yield* scratchDirectory("squid")
    // squid started as root writes its logs as its unprivileged user.
    const logs = join(dir, "logs")
    yield* makeDirectory(logs, 0o777)
    const auth = options.requireAuth === true ? "/usr/lib/squid/basic_ncsa_auth" : undefined
    if (auth !== undefined) yield* writeReadableFile(join(dir, "passwd"), passwordLine)
    const [port = 0] = yield* freePorts(1)
    const configPath = join(dir, "squid.conf")
    yield* writeReadableFile(configPath, configuration(dir, logs, port, auth))
    const server = yield* spawnServer({ name: "squid", command: binary, args: ["-N", "-f", configPath] })
    yield* awaitAccepting(server, [port])
    const accessLog = Effect.map(
      Effect.tryPromise({
        // squid creates the log at its first entry.
        try: () =>
          existsSync(join(logs, "access.log"))
            ? readFile(join(logs, "access.log"), "utf8")
            : Promise.resolve(""),
        catch: (cause) => new InteropError({ message: "cannot read squid's access log", cause })
      }),
      parseAccessLog
    )
    return {
      port,
      url: `http://${loopback}:${port}`,
      accessLog,
      awaitAccessLog: (done, what) => pollUntil(accessLog, done, what)
    } satisfies SquidServer
  })
