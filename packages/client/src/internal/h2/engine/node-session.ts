/**
 * The `node:http2` engine: a node client session over the socket our
 * dialer opened, behind the engine-neutral {@link SessionIo}.
 *
 * @internal
 */
import type * as http2 from "node:http2"
import type * as net from "node:net"
import type { Endpoint } from "../../../Endpoint.js"
import { InvalidRequestError } from "../../../Errors.js"
import { lazyBuiltin } from "../../lazy/modules.js"
import type { ResolvedH2Options } from "../options.js"
import { listen } from "./node-stream.js"
import type {
  OpenRefusal,
  RequestFields,
  SessionEvents,
  SessionIo,
  StreamEvents,
  StreamIo
} from "./session-io.js"

// node:http2 takes milliseconds to load: the first HTTP/2 connection loads it.
const http2Module = lazyBuiltin("node:http2")

const openOptions: http2.ClientSessionRequestOptions = { endStream: false }
const emptyOptions: http2.ClientSessionRequestOptions = { endStream: true }

/** Node's verdict on a header block it refused to send, as our typed error; `undefined` for other failures. */
const headerError = (error: unknown): InvalidRequestError | undefined => {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined
  if (typeof code !== "string") return undefined
  const detail = error instanceof Error ? error.message : code
  if (code === "ERR_INVALID_HTTP_TOKEN" || code === "ERR_HTTP2_INVALID_PSEUDOHEADER")
    return new InvalidRequestError({ reason: "InvalidHeaderName", detail })
  if (
    code.startsWith("ERR_INVALID_") ||
    code === "ERR_HTTP2_INVALID_CONNECTION_HEADERS" ||
    code === "ERR_HTTP2_HEADER_SINGLE_VALUE" ||
    code === "ERR_HTTP2_INVALID_HEADER_VALUE"
  )
    return new InvalidRequestError({ reason: "InvalidHeaderValue", detail })
  return undefined
}

/**
 * Fields a header list within `maxHeaderListSize` bytes can hold: each
 * counts at least 32 (RFC 9113 §6.5.2). Node resets a stream whose head has
 * more fields than its `maxHeaderListPairs` (128 unless told) with
 * ENHANCE_YOUR_CALM, which then reads as the server's reset: a head within
 * the limit was refused. Raised to this, node only cuts heads that are over
 * the limit anyway; the others reach the client's own check, whose
 * `LimitExceededError` says which side acted.
 */
const headerPairsWithin = (maxHeaderListSize: number): number =>
  Math.min(0x7fff_ffff, Math.max(128, Math.ceil(maxHeaderListSize / 32) + 1))

const toNodeHeaders = (fields: RequestFields): http2.OutgoingHttpHeaders => {
  const out: http2.OutgoingHttpHeaders = {}
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!
  return out
}

/** A node client session, driven by its connection. @internal */
export class NodeSession implements SessionIo {
  readonly session: http2.ClientHttp2Session

  constructor(endpoint: Endpoint, socket: net.Socket, options: ResolvedH2Options, events: SessionEvents) {
    const session = (this.session = http2Module().connect(`${endpoint.scheme}://${endpoint.authority}`, {
      createConnection: () => socket,
      maxHeaderListPairs: headerPairsWithin(options.maxHeaderListSize),
      settings: {
        enablePush: false,
        initialWindowSize: options.initialWindowSize,
        maxHeaderListSize: options.maxHeaderListSize
      }
    }))
    session.on("remoteSettings", (settings: http2.Settings) =>
      events.remoteSettings(settings.maxConcurrentStreams ?? Infinity)
    )
    session.on("goaway", (code: number, lastStreamId: number) => events.goaway(code, lastStreamId))
    session.on("origin", (origins: ReadonlyArray<string>) => events.origins(origins))
    session.on("localSettings", () => events.settingsAcknowledged())
    session.on("error", (error: Error) => events.error(error))
    session.on("close", () => events.sessionClosed())
    if (!session.destroyed) session.setLocalWindowSize(options.connectionWindowSize)
  }

  get gone(): boolean {
    return this.session.destroyed
  }

  open(fields: RequestFields, endStream: boolean, events: StreamEvents): StreamIo | OpenRefusal {
    let stream: http2.ClientHttp2Stream
    try {
      stream = this.session.request(toNodeHeaders(fields), endStream ? emptyOptions : openOptions)
    } catch (cause) {
      // Node refuses requests on a session it is closing or out of stream ids.
      return headerError(cause) ?? { _tag: "Refused", retire: true, cause }
    }
    return listen(stream, events)
  }

  ping(onAck: (ok: boolean) => void): boolean {
    return this.session.ping((error) => onAck(error === null))
  }

  close(): void {
    if (!this.session.closed && !this.session.destroyed) this.session.close()
  }

  destroy(): void {
    if (this.session.destroyed) return
    // GOAWAY first, so the server knows no stream of ours will follow.
    if (!this.session.closed) this.session.close()
    this.session.destroy()
  }
}
