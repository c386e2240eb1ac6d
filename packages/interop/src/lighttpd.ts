/**
 * lighttpd on a free loopback port, with a configuration written to a
 * temporary directory: HTTP/1.1 serving one document root, whose
 * `/private/` wants Digest authentication (`mod_auth`, `qop=auth`) with the
 * algorithms asked for, against an `htdigest` password file.
 *
 * lighttpd (1.4.54 and later) speaks the RFC 7616 algorithms that Apache
 * 2.4's `mod_auth_digest` refuses: SHA-256 and SHA-512-256 besides MD5. It
 * accepts the `-sess` names in its configuration but announces the plain
 * algorithm in its challenge, so a client never gets to answer `-sess`.
 *
 * Every request is logged (see `Apache.AccessLogEntry`, the same shape)
 * with its status, method, path and `Authorization` header.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type AccessLogEntry, parseAccessLog } from "./apache.js"
import { locate, version } from "./binaries.js"
import { InteropError } from "./errors.js"
import { freePorts, loopback, pollUntil } from "./net.js"
import { awaitAccepting, spawnServer } from "./process.js"
import { scratchDirectory, type Site, writeReadableFile, writeSite, readText } from "./scratch.js"

/**
 * A Digest algorithm lighttpd offers.
 *
 * @since 0.1.0
 */
export type Algorithm = "MD5" | "SHA-256" | "SHA-512-256"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface LighttpdOptions {
  /** The lighttpd binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /** The algorithms challenged with, one `WWW-Authenticate` each, in this order. Default `["SHA-256"]`. */
  readonly algorithms?: ReadonlyArray<Algorithm>
  /** The Digest realm. Default `interop`. */
  readonly realm?: string
  /** The one user of the password file. Default `{ username: "ada", password: "engine" }`. */
  readonly user?: { readonly username: string; readonly password: string }
  /** Files of the document root, by relative path; `private/` is behind Digest. */
  readonly site?: Site
}

/**
 * A running lighttpd.
 *
 * @since 0.1.0
 */
export interface LighttpdServer {
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

const hashes: Record<Algorithm, string> = { MD5: "md5", "SHA-256": "sha256", "SHA-512-256": "sha512-256" }

/**
 * The password file: lighttpd reads the hash of `user:realm:password` in
 * the algorithm it checks with, and tells them apart by length, so there is
 * one line per algorithm.
 */
const htdigest = (
  realm: string,
  user: { readonly username: string; readonly password: string },
  algorithms: ReadonlyArray<Algorithm>
): string =>
  algorithms
    .map((algorithm) => {
      const hash = createHash(hashes[algorithm])
        .update(`${user.username}:${realm}:${user.password}`)
        .digest("hex")
      return `${user.username}:${realm}:${hash}\n`
    })
    .join("")

const quoted = (value: string): string => JSON.stringify(value)

// With JSON escaping (lighttpd 1.4.65 and later), logged headers read back as JSON strings.
const logFormat = String.raw`{\"status\":\"%>s\",\"method\":\"%m\",\"path\":\"%U\",\"authorization\":\"%{Authorization}i\"}`

const configuration = (
  dir: string,
  port: number,
  realm: string,
  algorithms: ReadonlyArray<Algorithm>
): string => `
server.document-root = ${quoted(join(dir, "www"))}
server.bind = ${quoted(loopback)}
server.port = ${port}
server.errorlog = ${quoted(join(dir, "error.log"))}
server.pid-file = ${quoted(join(dir, "lighttpd.pid"))}
server.modules = ("mod_auth", "mod_authn_file", "mod_accesslog")
accesslog.filename = ${quoted(join(dir, "access.log"))}
accesslog.escaping = "json"
accesslog.format = "${logFormat}"
auth.backend = "htdigest"
auth.backend.htdigest.userfile = ${quoted(join(dir, "htdigest"))}
auth.require = ( "/private/" => (
  "method" => "digest",
  "realm" => ${quoted(realm)},
  "algorithm" => ${quoted(algorithms.join("|"))},
  "require" => "valid-user"
) )
`

/**
 * Starts lighttpd on a free loopback port; it is stopped and its directory
 * removed when the scope closes. Succeeds once the port accepts connections.
 *
 * @since 0.1.0
 */
export const make = (
  options: LighttpdOptions = {}
): Effect.Effect<LighttpdServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("lighttpd")
    if (binary === undefined) return yield* new InteropError({ message: "lighttpd is not installed" })
    const realm = options.realm ?? "interop"
    const user = options.user ?? { username: "ada", password: "engine" }
    const algorithms = options.algorithms ?? ["SHA-256"]
    const dir = yield* scratchDirectory("lighttpd")
    yield* writeSite(join(dir, "www"), options.site ?? {})
    yield* writeReadableFile(join(dir, "htdigest"), htdigest(realm, user, algorithms))
    const [port = 0] = yield* freePorts(1)
    const configPath = join(dir, "lighttpd.conf")
    yield* writeReadableFile(configPath, configuration(dir, port, realm, algorithms))
    const server = yield* spawnServer({ name: "lighttpd", command: binary, args: ["-D", "-f", configPath] })
    yield* awaitAccepting(server, [port])
    const accessLog = Effect.map(readText(join(dir, "access.log")), parseAccessLog)
    return {
      version: yield* version(binary, "lighttpd", /lighttpd\/\S+/),
      directory: dir,
      port,
      realm,
      accessLog,
      awaitAccessLog: (done, what) => pollUntil(accessLog, done, what)
    } satisfies LighttpdServer
  })
