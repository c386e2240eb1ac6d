/**
 * Apache httpd on a free loopback port, with a configuration written to a
 * temporary directory: HTTP/1.1 serving one document root, whose
 * `/private/` wants Digest authentication (`mod_auth_digest`, `qop=auth`)
 * against a password file made by `htdigest`.
 *
 * Every request is logged (see {@link AccessLogEntry}) with its status,
 * method, path and `Authorization` header.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { locate, version } from "./binaries.js"
import { InteropError } from "./errors.js"
import { freePorts, loopback, pollUntil } from "./net.js"
import { awaitAccepting, spawnServer } from "./process.js"
import { scratchDirectory, type Site, writeReadableFile, writeSite, readText } from "./scratch.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface ApacheOptions {
  /** The apache2 binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /** Where Debian keeps the modules. Default `/usr/lib/apache2/modules`. */
  readonly modules?: string
  /** The Digest realm. Default `interop`. */
  readonly realm?: string
  /** The one user of the password file. Default `{ username: "ada", password: "engine" }`. */
  readonly user?: { readonly username: string; readonly password: string }
  /** Files of the document root, by relative path; `private/` is behind Digest. */
  readonly site?: Site
}

/**
 * One line of the access log.
 *
 * @since 0.1.0
 */
export interface AccessLogEntry {
  readonly status: number
  readonly method: string
  readonly path: string
  /** The request's `Authorization` header; `undefined` when absent. */
  readonly authorization: string | undefined
}

/**
 * A running Apache.
 *
 * @since 0.1.0
 */
export interface ApacheServer {
  readonly version: string
  readonly directory: string
  readonly port: number
  readonly realm: string
  /** The access log as logged so far. */
  readonly accessLog: Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
  /** Waits until the access log satisfies `done`, and returns it. */
  readonly awaitAccessLog: (
    done: (entries: ReadonlyArray<AccessLogEntry>) => boolean,
    what: string
  ) => Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
}

/**
 * Parses an access log written with this module's format: JSON per line.
 *
 * @since 0.1.0
 */
export const parseAccessLog = (text: string): ReadonlyArray<AccessLogEntry> =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line): AccessLogEntry => {
      const entry = JSON.parse(line) as Record<string, string>
      const authorization = entry.authorization ?? "-"
      return {
        status: Number(entry.status),
        method: entry.method ?? "",
        path: entry.path ?? "",
        authorization: authorization === "-" ? undefined : authorization
      }
    })

// Apache escapes quotes and backslashes of logged headers as `\"` and `\\`, which JSON reads back.
const logFormat = String.raw`{\"status\":\"%>s\",\"method\":\"%m\",\"path\":\"%U\",\"authorization\":\"%{Authorization}i\"}`

const configuration = (dir: string, port: number, modules: string, realm: string): string => `
ServerRoot ${dir}
ServerName ${loopback}
Listen ${loopback}:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel info
LoadModule mpm_event_module ${modules}/mod_mpm_event.so
LoadModule authn_core_module ${modules}/mod_authn_core.so
LoadModule authn_file_module ${modules}/mod_authn_file.so
LoadModule authz_core_module ${modules}/mod_authz_core.so
LoadModule authz_user_module ${modules}/mod_authz_user.so
LoadModule auth_digest_module ${modules}/mod_auth_digest.so
# Started as root, the workers drop to an unprivileged user; the scratch directory is world-readable.
User nobody
Group nogroup
LogFormat "${logFormat}" interop
CustomLog ${dir}/access.log interop
DocumentRoot ${dir}/www
<Location /private/>
  AuthType Digest
  AuthName "${realm}"
  AuthDigestProvider file
  AuthUserFile ${dir}/htdigest
  # Apache 2.4's mod_auth_digest knows MD5 only: "Unsupported algorithm" for SHA-256.
  AuthDigestAlgorithm MD5
  Require valid-user
</Location>
`

/**
 * Runs `htdigest -c` with the password on its standard input: in a session
 * of its own, with no terminal to prompt on, it reads it from there.
 */
const htdigest = (
  file: string,
  realm: string,
  user: { readonly username: string; readonly password: string }
): Effect.Effect<void, InteropError> =>
  Effect.async<void, InteropError>((resume) => {
    const binary = locate("htdigest")
    if (binary === undefined) {
      resume(
        Effect.fail(new InteropError({ message: "htdigest is not installed (Debian package apache2-utils)" }))
      )
      return
    }
    const child = spawn(binary, ["-c", file, realm, user.username], {
      detached: true,
      stdio: ["pipe", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", (cause) => resume(Effect.fail(new InteropError({ message: "htdigest failed", cause }))))
    child.on("close", (code) =>
      resume(
        code === 0
          ? Effect.void
          : Effect.fail(new InteropError({ message: `htdigest exited with ${code}: ${stderr}` }))
      )
    )
    child.stdin.end(`${user.password}\n${user.password}\n`)
  })

/**
 * Starts Apache on a free loopback port; it is stopped and its directory
 * removed when the scope closes. Succeeds once the port accepts connections.
 *
 * @since 0.1.0
 */
export const make = (options: ApacheOptions = {}): Effect.Effect<ApacheServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("apache2")
    if (binary === undefined) return yield* new InteropError({ message: "apache2 is not installed" })
    const realm = options.realm ?? "interop"
    const user = options.user ?? { username: "ada", password: "engine" }
    const dir = yield* scratchDirectory("apache")
    yield* writeSite(join(dir, "www"), options.site ?? {})
    const passwords = join(dir, "htdigest")
    yield* htdigest(passwords, realm, user)
    yield* writeReadableFile(passwords, yield* readText(passwords))
    const [port = 0] = yield* freePorts(1)
    const configPath = join(dir, "httpd.conf")
    yield* writeReadableFile(
      configPath,
      configuration(dir, port, options.modules ?? "/usr/lib/apache2/modules", realm)
    )
    const server = yield* spawnServer({
      name: "apache2",
      command: binary,
      args: ["-DFOREGROUND", "-f", configPath, "-d", dir]
    })
    yield* awaitAccepting(server, [port])
    const accessLog = Effect.map(readText(join(dir, "access.log")), parseAccessLog)
    return {
      version: yield* version(binary, "Apache", /Apache\/\S+/),
      directory: dir,
      port,
      realm,
      accessLog,
      awaitAccessLog: (done, what) => pollUntil(accessLog, done, what)
    } satisfies ApacheServer
  })
