/**
 * nginx on two loopback ports, two origins, for the client's batteries:
 * gzip, redirects within and across origins, and cookies, with every
 * request's `Authorization`, `Cookie` and `Accept-Encoding` in the access
 * log.
 *
 * Origin `first` answers:
 *
 * - `/data.json` (and any file of `site`), gzipped for clients that ask
 *   (`gzip on`, `gzip_types application/json`).
 * - `/start`: `302` to `/hop` on the same origin, which `302`s to
 *   `<second>/landing`, which `302`s to `<second>/data.json`.
 * - `/login`: `204` with two `Set-Cookie`s (`add_header`); `/me`: the
 *   `Cookie` it got, as text.
 *
 * Origin `second` serves the same files and `/landing`.
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { locate } from "./binaries.js"
import { InteropError } from "./errors.js"
import { freePorts, loopback, pollUntil } from "./net.js"
import { awaitAccepting, spawnServer } from "./process.js"
import {
  makeDirectory,
  scratchDirectory,
  type Site,
  writeReadableFile,
  writeSite,
  readText
} from "./scratch.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface BatteryNginxOptions {
  /** The nginx binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /** The host name the client reaches the second origin by, for its `Location`s. */
  readonly secondHost: string
  /** Files of the document root of both origins, by relative path. */
  readonly site?: Site
}

/**
 * One line of the access log.
 *
 * @since 0.1.0
 */
export interface AccessLogEntry {
  /** `$server_port`: which origin answered. */
  readonly port: number
  readonly status: number
  readonly uri: string
  /** `$bytes_sent`: response bytes, head and body. */
  readonly bytesSent: number
  readonly authorization: string
  readonly cookie: string
  readonly acceptEncoding: string
  readonly userAgent: string
}

/**
 * A running nginx with two origins.
 *
 * @since 0.1.0
 */
export interface BatteryNginx {
  readonly ports: { readonly first: number; readonly second: number }
  readonly accessLog: Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
  readonly awaitAccessLog: (
    done: (entries: ReadonlyArray<AccessLogEntry>) => boolean,
    what: string
  ) => Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
}

// `escape=json` makes every field safe inside a JSON string; an absent header is logged empty.
const logFormat =
  '{"port":"$server_port","status":"$status","uri":"$request_uri","bytesSent":"$bytes_sent",' +
  '"authorization":"$http_authorization","cookie":"$http_cookie",' +
  '"acceptEncoding":"$http_accept_encoding","userAgent":"$http_user_agent"}'

/**
 * Parses an access log written with this module's format.
 *
 * @since 0.1.0
 */
export const parseAccessLog = (text: string): ReadonlyArray<AccessLogEntry> =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line): AccessLogEntry => {
      const entry = JSON.parse(line) as Record<string, string>
      return {
        port: Number(entry.port),
        status: Number(entry.status),
        uri: entry.uri ?? "",
        bytesSent: Number(entry.bytesSent),
        authorization: entry.authorization ?? "",
        cookie: entry.cookie ?? "",
        acceptEncoding: entry.acceptEncoding ?? "",
        userAgent: entry.userAgent ?? ""
      }
    })

const configuration = (dir: string, root: string, first: number, second: number, secondHost: string) => `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  types { application/json json; text/plain txt; }
  default_type text/plain;
  log_format batteries escape=json '${logFormat}';
  access_log ${dir}/access.log batteries;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  root ${root};
  gzip on;
  gzip_types application/json;
  gzip_min_length 1;
  # Relative Locations, so the client resolves same-origin hops itself.
  absolute_redirect off;
  server {
    listen ${loopback}:${first};
    location = /start { return 302 /hop; }
    location = /hop { return 302 http://${secondHost}:${second}/landing; }
    location = /login {
      add_header Set-Cookie "sid=abc123; Path=/; HttpOnly";
      add_header Set-Cookie "theme=dark; Path=/; Max-Age=3600";
      return 204;
    }
    location = /me { return 200 "$http_cookie"; }
  }
  server {
    listen ${loopback}:${second};
    location = /landing { return 302 /data.json; }
  }
}
`

/**
 * Starts nginx with two origins on free loopback ports; it is stopped and
 * its directory removed when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: BatteryNginxOptions): Effect.Effect<BatteryNginx, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("nginx")
    if (binary === undefined) return yield* new InteropError({ message: "nginx is not installed" })
    const dir = yield* scratchDirectory("nginx-batteries")
    const root = join(dir, "www")
    yield* writeSite(root, options.site ?? {})
    yield* makeDirectory(join(dir, "tmp"))
    const [first = 0, second = 0] = yield* freePorts(2)
    const configPath = join(dir, "nginx.conf")
    yield* writeReadableFile(configPath, configuration(dir, root, first, second, options.secondHost))
    const server = yield* spawnServer({
      name: "nginx",
      command: binary,
      args: ["-p", dir, "-c", configPath, "-e", join(dir, "error.log")]
    })
    yield* awaitAccepting(server, [first, second])
    const accessLog = Effect.map(readText(join(dir, "access.log")), parseAccessLog)
    return {
      ports: { first, second },
      accessLog,
      awaitAccessLog: (done, what) => pollUntil(accessLog, done, what)
    } satisfies BatteryNginx
  })
