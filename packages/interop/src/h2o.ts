/**
 * h2o on loopback, with a YAML configuration (h2o 2.2 syntax) written to a
 * temporary directory: TLS on one port, where ALPN offers `h2` and
 * `http/1.1`, and clear text on another, where h2o speaks HTTP/1.1 and h2c
 * with prior knowledge. Both serve one document root of static files, and
 * every request is logged (see {@link AccessLogEntry}).
 *
 * @since 0.1.0
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { TestCerts } from "@effect-requests/testing"
import { Effect } from "effect"
import type * as Scope from "effect/Scope"
import { locate } from "./binaries.js"
import { InteropError } from "./errors.js"
import { freePorts, loopback } from "./net.js"
import { awaitAccepting, spawnServer } from "./process.js"
import { scratchDirectory, type Site, writeSite, writeReadableFile } from "./scratch.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface H2oOptions {
  /** The h2o binary. Default: found on `PATH`. */
  readonly binary?: string
  /** `http2-max-concurrent-requests-per-connection`: requests h2o works on at once per connection. Default `100`. */
  readonly http2MaxConcurrentRequests?: number
  /** Files of the document root, by relative path. */
  readonly site?: Site
}

/**
 * One line of the access log.
 *
 * @since 0.1.0
 */
export interface AccessLogEntry {
  /** `%{connection-id}x`: h2o's serial number of the connection. */
  readonly connection: number
  /** `%{http2.stream-id}x`; `undefined` for HTTP/1.1. */
  readonly streamId: number | undefined
  /** `%H`, e.g. `HTTP/1.1` or `HTTP/2`. */
  readonly protocol: string
  readonly status: number
  /** `%b`: bytes of the response body. */
  readonly bodyBytes: number
  /** The `x-request-id` header; `undefined` when absent. */
  readonly requestId: string | undefined
  readonly path: string
}

/**
 * A running h2o.
 *
 * @since 0.1.0
 */
export interface H2oServer {
  readonly directory: string
  readonly root: string
  readonly ports: {
    /** TLS, ALPN `h2` and `http/1.1`. */
    readonly tls: number
    /** Clear text: HTTP/1.1, or h2c with prior knowledge. */
    readonly plain: number
  }
  /** The access log as logged so far. */
  readonly accessLog: Effect.Effect<ReadonlyArray<AccessLogEntry>, InteropError>
  /** Stops h2o and waits for it to exit; the log stays readable until the scope closes. */
  readonly stop: Effect.Effect<void>
}

const orUndefined = (field: string | undefined): string | undefined => (field === "-" ? undefined : field)

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
      const [connection, stream, protocol, status, bytes, id, path] = line.split(" ")
      const streamId = orUndefined(stream)
      return {
        connection: Number(connection),
        streamId: streamId === undefined ? undefined : Number(streamId),
        protocol: protocol ?? "",
        status: Number(status),
        bodyBytes: Number(bytes),
        requestId: orUndefined(id),
        path: path ?? ""
      }
    })

// JSON strings are YAML strings, and quoting keeps paths with odd characters intact.
const q = (value: string): string => JSON.stringify(value)

const configuration = (dir: string, root: string, ports: H2oServer["ports"], options: H2oOptions): string => `
listen:
  host: ${loopback}
  port: ${ports.tls}
  ssl:
    certificate-file: ${q(join(TestCerts.directory, "leaf.pem"))}
    key-file: ${q(join(TestCerts.directory, "leaf.key"))}
    minimum-version: TLSv1.2
    # The test certificates name no OCSP responder; fetching one would only print errors.
    ocsp-update-interval: 0
listen:
  host: ${loopback}
  port: ${ports.plain}
num-threads: 1
http2-max-concurrent-requests-per-connection: ${options.http2MaxConcurrentRequests ?? 100}
access-log:
  path: ${q(join(dir, "access.log"))}
  format: "%{connection-id}x %{http2.stream-id}x %H %s %b %{x-request-id}i %U"
error-log: ${q(join(dir, "error.log"))}
hosts:
  default:
    paths:
      /:
        file.dir: ${q(root)}
`

/**
 * Starts h2o on free loopback ports; it is stopped and its directory removed
 * when the scope closes. Succeeds once both ports accept connections.
 *
 * @since 0.1.0
 */
export const make = (options: H2oOptions = {}): Effect.Effect<H2oServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("h2o")
    if (binary === undefined) return yield* new InteropError({ message: "h2o is not installed" })
    const dir = yield* scratchDirectory("h2o")
    const root = join(dir, "www")
    yield* writeSite(root, options.site ?? {})
    const [tls = 0, plain = 0] = yield* freePorts(2)
    const ports = { tls, plain }
    const configPath = join(dir, "h2o.conf")
    yield* writeReadableFile(configPath, configuration(dir, root, ports, options))
    // No pid file: h2o started as root writes it after dropping to nobody, who cannot write here.
    const server = yield* spawnServer({ name: "h2o", command: binary, args: ["-c", configPath] })
    yield* awaitAccepting(server, [tls, plain])
    const logPath = join(dir, "access.log")
    return {
      directory: dir,
      root,
      ports,
      accessLog: Effect.tryPromise({
        try: () => readFile(logPath, "utf8"),
        catch: (cause) => new InteropError({ message: `cannot read ${logPath}`, cause })
      }).pipe(Effect.map(parseAccessLog)),
      stop: server.stop
    } satisfies H2oServer
  })
