/**
 * nginx on loopback, with a configuration written to a temporary directory:
 * HTTP/1.1, HTTPS offering only `http/1.1` by ALPN, HTTP/2 over TLS offering
 * `h2` and `http/1.1`, and h2c (HTTP/2 with prior knowledge), each on its own
 * free port, all serving one document root.
 *
 * Besides static files the document root answers:
 *
 * - `PUT /upload/<name>`: WebDAV stores the body as `<root>/upload/<name>`
 *   (up to 64 MiB), `201 Created`.
 * - `/chunked/<file>`: the file through `sub_filter`, which replaces every
 *   `@@` with `<>`; the length is not known up front, so HTTP/1.1 responses
 *   are chunked.
 *
 * Every request is logged (see {@link AccessLogEntry}) with its connection's
 * serial number, its place on that connection, its start and end times and
 * its `x-request-id` header.
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { TestCerts } from "@effect-requests/testing"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { locate, version } from "./binaries.js"
import { InteropError } from "./errors.js"
import { freePorts, loopback, pollUntil } from "./net.js"
import { awaitAccepting, spawnServer } from "./process.js"
import {
  makeDirectory,
  scratchDirectory,
  type Site,
  writeSite,
  writeReadableFile,
  readText
} from "./scratch.js"

/**
 * Options of {@link make}. Every field is optional; the defaults are nginx's own.
 *
 * @since 0.1.0
 */
export interface NginxOptions {
  /** The nginx binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /** `keepalive_requests`: requests per connection, HTTP/2 streams included. Default `1000`. */
  readonly keepaliveRequests?: number
  /** `keepalive_timeout`, in nginx's syntax (`1s`, `75s`); for HTTP/2 the idle timeout. Default `75s`. */
  readonly keepaliveTimeout?: string
  /** `http2_max_concurrent_streams`. Default `128`. */
  readonly http2MaxConcurrentStreams?: number
  /**
   * Log at `debug` level, which records when nginx closes a connection (see
   * {@link NginxServer.awaitConnectionClosed}). Costly: for low traffic only.
   * Default `false` (level `info`, which still records refused streams).
   */
  readonly logConnectionEvents?: boolean
  /**
   * Requests per second each connection is paced to (`limit_req` keyed by
   * `$connection`, without `nodelay`): a request over the pace waits on a
   * timer, so requests served from memory in well under a millisecond span
   * whole milliseconds of nginx's clock, and concurrency becomes visible in
   * the access log's times. Default: no pacing.
   */
  readonly pacePerConnection?: number
  /** Files of the document root, by relative path. */
  readonly site?: Site
  /** Also serve HTTP/1.1 on a Unix domain socket, `socketPath`. Default `false`. */
  readonly unixSocket?: boolean
}

/**
 * The ports nginx listens on, all on `127.0.0.1`.
 *
 * @since 0.1.0
 */
export interface NginxPorts {
  /** HTTP/1.1 in clear text. */
  readonly http: number
  /** TLS whose ALPN offers only `http/1.1`: a server block without `http2`. */
  readonly https: number
  /** TLS whose ALPN offers `h2` and `http/1.1`. */
  readonly h2: number
  /** HTTP/2 in clear text with prior knowledge (h2c). */
  readonly h2c: number
}

/**
 * One line of the access log.
 *
 * @since 0.1.0
 */
export interface AccessLogEntry {
  /** `$connection`: serial number of the connection, the same for every stream of an HTTP/2 connection. */
  readonly connection: number
  /** `$connection_requests`: the request's place on its connection, from 1. */
  readonly connectionRequests: number
  /** When the request began, in epoch milliseconds (`$msec - $request_time`). */
  readonly start: number
  /** When nginx logged it, in epoch milliseconds (`$msec`). */
  readonly end: number
  /** `$server_protocol`, e.g. `HTTP/1.1` or `HTTP/2.0`. */
  readonly protocol: string
  readonly status: number
  readonly method: string
  /** `$request_length`: bytes of the request, head and body. */
  readonly requestLength: number
  /** `$bytes_sent`: bytes of the response, head and body. */
  readonly bytesSent: number
  /** The `x-request-id` header; `undefined` when absent. */
  readonly requestId: string | undefined
  readonly uri: string
}

/**
 * A running nginx.
 *
 * @since 0.1.0
 */
export interface NginxServer {
  readonly version: string
  /** The temporary directory holding its configuration, logs and document root. */
  readonly directory: string
  /** The document root. */
  readonly root: string
  readonly ports: NginxPorts
  /** The Unix domain socket serving HTTP/1.1, when `unixSocket` was asked for. */
  readonly socketPath: string | undefined
  /** The access log as logged so far. */
  readonly accessLog: Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
  /** Waits until the access log satisfies `done`, and returns it. */
  readonly awaitAccessLog: (
    done: (entries: ReadonlyArray<AccessLogEntry>) => boolean,
    what: string
  ) => Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
  /** The error log as written so far. */
  readonly errorLog: Effect.Effect<string, InteropError>
  /**
   * Waits until nginx has closed the connection with serial number
   * `connection` (its `$connection`). Needs `logConnectionEvents`.
   */
  readonly awaitConnectionClosed: (connection: number) => Effect.Effect<void, InteropError>
  /** Stops nginx and waits for it to exit; the logs stay readable until the scope closes. */
  readonly stop: Effect.Effect<void>
}

const logFormat = [
  "$connection",
  "$connection_requests",
  "$msec",
  "$request_time",
  "$server_protocol",
  "$status",
  "$request_method",
  "$request_length",
  "$bytes_sent",
  "$http_x_request_id",
  "$request_uri"
].join(" ")

// nginx prints seconds with exactly three decimals.
const millis = (seconds: string): number => Math.round(Number(seconds) * 1000)

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
      const [connection, requests, msec, requestTime, protocol, status, method, length, sent, id, uri] =
        line.split(" ")
      const end = millis(msec ?? "")
      return {
        connection: Number(connection),
        connectionRequests: Number(requests),
        start: end - millis(requestTime ?? ""),
        end,
        protocol: protocol ?? "",
        status: Number(status),
        method: method ?? "",
        requestLength: Number(length),
        bytesSent: Number(sent),
        requestId: id === "-" ? undefined : id,
        uri: uri ?? ""
      }
    })

const site = (root: string): string => `
    root ${root};
    location /upload/ {
      dav_methods PUT;
      client_max_body_size 64m;
    }
    location /chunked/ {
      sub_filter '@@' '<>';
      sub_filter_once off;
      sub_filter_types *;
    }`

const configuration = (dir: string, root: string, ports: NginxPorts, options: NginxOptions): string => `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log ${options.logConnectionEvents === true ? "debug" : "info"};
events { worker_connections 4096; }
http {
  types { text/html html; text/plain txt; application/octet-stream bin; }
  default_type application/octet-stream;
  log_format interop '${logFormat}';
  access_log ${dir}/access.log interop;
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests ${options.keepaliveRequests ?? 1000};
  keepalive_timeout ${options.keepaliveTimeout ?? "75s"};
  http2_max_concurrent_streams ${options.http2MaxConcurrentStreams ?? 128};
  gzip off;
  chunked_transfer_encoding on;${
    options.pacePerConnection === undefined
      ? ""
      : `
  limit_req_zone $connection zone=pace:1m rate=${options.pacePerConnection}r/s;
  limit_req zone=pace burst=100000;
  # Delays are logged a level below this one, at debug, where they do not bury the rest.
  limit_req_log_level info;`
  }
  ssl_certificate ${join(TestCerts.directory, "leaf.pem")};
  ssl_certificate_key ${join(TestCerts.directory, "leaf.key")};
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen ${loopback}:${ports.http};${options.unixSocket === true ? `\n    listen unix:${dir}/nginx.sock;` : ""}${site(root)}
  }
  server {
    listen ${loopback}:${ports.https} ssl;${site(root)}
  }
  server {
    listen ${loopback}:${ports.h2} ssl http2;${site(root)}
  }
  server {
    listen ${loopback}:${ports.h2c} http2;${site(root)}
  }
}
`

/**
 * Starts nginx on free loopback ports; it is stopped and its directory
 * removed when the scope closes. Succeeds once every port accepts
 * connections.
 *
 * @since 0.1.0
 */
export const make = (options: NginxOptions = {}): Effect.Effect<NginxServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("nginx")
    if (binary === undefined) return yield* new InteropError({ message: "nginx is not installed" })
    const dir = yield* scratchDirectory("nginx")
    const root = join(dir, "www")
    yield* writeSite(root, options.site ?? {})
    // Workers of an nginx started as root run as nobody, and WebDAV writes uploads as them.
    yield* makeDirectory(join(root, "upload"), 0o777)
    yield* makeDirectory(join(dir, "tmp"))
    const [http = 0, https = 0, h2 = 0, h2c = 0] = yield* freePorts(4)
    const ports: NginxPorts = { http, https, h2, h2c }
    const configPath = join(dir, "nginx.conf")
    yield* writeReadableFile(configPath, configuration(dir, root, ports, options))
    const server = yield* spawnServer({
      name: "nginx",
      command: binary,
      args: ["-p", dir, "-c", configPath, "-e", join(dir, "error.log")]
    })
    yield* awaitAccepting(server, [http, https, h2, h2c])
    const accessLog = Effect.map(readText(join(dir, "access.log")), parseAccessLog)
    const errorLog = readText(join(dir, "error.log"))
    return {
      version: yield* version(binary, "nginx", /nginx\/\S+/),
      directory: dir,
      root,
      ports,
      socketPath: options.unixSocket === true ? join(dir, "nginx.sock") : undefined,
      accessLog,
      awaitAccessLog: (done, what) => pollUntil(accessLog, done, what),
      errorLog,
      awaitConnectionClosed: (connection) =>
        // ngx_http_close_connection logs this, prefixed with the connection's serial, at debug level.
        pollUntil(
          errorLog,
          (log) => log.includes(`*${connection} close http connection:`),
          `nginx to close connection ${connection}`
        ).pipe(Effect.asVoid),
      stop: server.stop
    } satisfies NginxServer
  })
