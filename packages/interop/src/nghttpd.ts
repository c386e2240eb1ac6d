/**
 * nghttpd, nghttp2's HTTP/2 server, on loopback: static files from a
 * temporary document root over TLS (ALPN `h2` only) or as h2c with prior
 * knowledge, with a configurable `SETTINGS_MAX_CONCURRENT_STREAMS`. With
 * `frameLog` it prints every frame it sends and receives, from which
 * {@link streamConcurrency} computes how many streams each connection had
 * open at once, in the server's own order of events.
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
import { scratchDirectory, type Site, writeSite } from "./scratch.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface NghttpdOptions {
  /** The nghttpd binary. Default: found on `PATH` or in the sbin directories. */
  readonly binary?: string
  /** TLS with ALPN `h2`; `false` serves h2c with prior knowledge (`--no-tls`). Default `true`. */
  readonly tls?: boolean
  /** `--max-concurrent-streams`, announced in SETTINGS and enforced. Default `100`. */
  readonly maxConcurrentStreams?: number
  /** `--echo-upload`: POST and PUT are answered with their own body. Default `false`. */
  readonly echoUpload?: boolean
  /** `--verbose` into a file read by {@link NghttpdServer.frameLog}. Every frame is printed: for light traffic only. */
  readonly frameLog?: boolean
  /** Files of the document root, by relative path. */
  readonly site?: Site
}

/**
 * A running nghttpd.
 *
 * @since 0.1.0
 */
export interface NghttpdServer {
  readonly directory: string
  readonly root: string
  readonly port: number
  /** What `--verbose` printed so far; empty without `frameLog`. */
  readonly frameLog: Effect.Effect<string, InteropError>
  /** Stops nghttpd and waits for it to exit; the frame log stays readable until the scope closes. */
  readonly stop: Effect.Effect<void>
}

/**
 * What one connection carried, according to nghttpd's frame log.
 *
 * @since 0.1.0
 */
export interface ConnectionStreams {
  /** nghttpd's id of the connection. */
  readonly connection: number
  /** Streams the client opened (HEADERS received on a new stream). */
  readonly streams: number
  /** The most streams open at once. */
  readonly maxOpen: number
  /** RST_STREAM frames nghttpd sent, e.g. to refuse a stream over the limit. */
  readonly resetsSent: number
  /** GOAWAY frames nghttpd sent. */
  readonly goawaysSent: number
}

const line = /^\[id=(\d+)\] \[\s*[\d.]+\] (.*)$/
const headers = /^recv HEADERS frame <.*stream_id=(\d+)>/
const closed = /^stream_id=(\d+) closed/

/**
 * Per connection, the streams opened and the most open at once, replaying
 * the frame log in nghttpd's order: a stream opens with the first HEADERS
 * received on it and closes when nghttpd reports it closed, which for a
 * response is when its last frame has been sent, before the client can see it.
 * Connections that opened no stream, such as the launcher's readiness
 * probe, are left out.
 *
 * @since 0.1.0
 */
export const streamConcurrency = (frameLog: string): ReadonlyArray<ConnectionStreams> => {
  interface State {
    open: Set<number>
    streams: number
    maxOpen: number
    resetsSent: number
    goawaysSent: number
  }
  const connections = new Map<number, State>()
  for (const text of frameLog.split("\n")) {
    const match = line.exec(text)
    if (match === null) continue
    const id = Number(match[1])
    const event = match[2] ?? ""
    let state = connections.get(id)
    if (state === undefined) {
      state = { open: new Set(), streams: 0, maxOpen: 0, resetsSent: 0, goawaysSent: 0 }
      connections.set(id, state)
    }
    const opened = headers.exec(event)
    if (opened !== null) {
      const stream = Number(opened[1])
      if (!state.open.has(stream)) {
        state.open.add(stream)
        state.streams++
        state.maxOpen = Math.max(state.maxOpen, state.open.size)
      }
      continue
    }
    const ended = closed.exec(event)
    if (ended !== null) state.open.delete(Number(ended[1]))
    else if (event.startsWith("send RST_STREAM frame")) state.resetsSent++
    else if (event.startsWith("send GOAWAY frame")) state.goawaysSent++
  }
  return [...connections]
    .filter(([, state]) => state.streams > 0)
    .map(([connection, state]) => ({
      connection,
      streams: state.streams,
      maxOpen: state.maxOpen,
      resetsSent: state.resetsSent,
      goawaysSent: state.goawaysSent
    }))
}

/**
 * Starts nghttpd on a free loopback port; it is stopped and its directory
 * removed when the scope closes. Succeeds once the port accepts connections.
 *
 * @since 0.1.0
 */
export const make = (options: NghttpdOptions = {}): Effect.Effect<NghttpdServer, InteropError, Scope.Scope> =>
  Effect.gen(function* () {
    const binary = options.binary ?? locate("nghttpd")
    if (binary === undefined) return yield* new InteropError({ message: "nghttpd is not installed" })
    const dir = yield* scratchDirectory("nghttpd")
    const root = join(dir, "www")
    yield* writeSite(root, options.site ?? {})
    const [port = 0] = yield* freePorts(1)
    const logPath = join(dir, "frames.log")
    const tls = options.tls ?? true
    const args = [
      `--address=${loopback}`,
      `--htdocs=${root}`,
      `--max-concurrent-streams=${options.maxConcurrentStreams ?? 100}`,
      ...(options.echoUpload === true ? ["--echo-upload"] : []),
      ...(options.frameLog === true ? ["--verbose"] : []),
      ...(tls ? [] : ["--no-tls"]),
      String(port),
      ...(tls ? [join(TestCerts.directory, "leaf.key"), join(TestCerts.directory, "leaf.pem")] : [])
    ]
    const server = yield* spawnServer({ name: "nghttpd", command: binary, args, stdoutFile: logPath })
    yield* awaitAccepting(server, [port])
    return {
      directory: dir,
      root,
      port,
      frameLog: Effect.tryPromise({
        try: () => readFile(logPath, "utf8"),
        catch: (cause) => new InteropError({ message: `cannot read ${logPath}`, cause })
      }),
      stop: server.stop
    } satisfies NghttpdServer
  })
