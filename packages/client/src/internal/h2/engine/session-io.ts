/**
 * What the HTTP/2 pool needs of the engine under a connection, so that the
 * same connection, stream and pool code runs over our own sans-IO codec or
 * over `node:http2`.
 *
 * An engine speaks to its connection through {@link SessionEvents} and to
 * each exchange through {@link StreamEvents}; the connection and the
 * exchange speak back through {@link SessionIo} and {@link StreamIo}.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type { InvalidRequestError, Phase, RequestsError } from "../../../Errors.js"
import type { ResponseHead } from "../../exchange/exchange.js"

/**
 * A request head as HTTP/2 carries it: `[name0, value0, …]`, pseudo-header
 * fields first, names in lower case.
 *
 * @internal
 */
export type RequestFields = Array<string>

/** One stream of a session, as its exchange drives it. @internal */
export interface StreamIo {
  /** Stream id; `0` until the engine assigned one. */
  readonly id: number
  /** Closed in protocol terms: reset by either side, or ended both ways. */
  readonly closed: boolean
  /** The RST_STREAM code that closed the stream, if one did. */
  readonly rstCode: number | undefined
  /** Our END_STREAM has gone out. */
  readonly localEnded: boolean
  /** Stops handing the peer window back: it stops sending once the window is used. */
  pause(): void
  resume(): void
  /** Queues request body bytes; `false` when the writer should wait for `drained` before the next. */
  write(chunk: Uint8Array): boolean
  /** Succeeds once more may be written, or once the stream closed. */
  readonly drained: Effect.Effect<void>
  /** Ends our side, after `chunk` if given. */
  end(chunk?: Uint8Array): void
  /** Resets the stream with `code` if it is still open; frees what it holds either way. */
  cancel(code: number): void
}

/** What an engine reports about one stream to the exchange that owns it. @internal */
export interface StreamEvents {
  readonly maxHeaderListSize: number
  /** The final response head arrived. */
  setHead(head: ResponseHead): void
  /** A final head over `maxHeaderListSize` arrived (an engine that does not check it itself). */
  headTooLarge(size: number): void
  /** An interim (1xx) head arrived. */
  interim(): void
  pushBody(chunk: Uint8Array): void
  /** The response ended (END_STREAM). */
  complete(): void
  /** The stream is closed, `code` being its RST_STREAM code or `0`. */
  closed(code: number): void
  /** The engine ended the stream for a reason of its own, said by `error`. */
  fail(error: RequestsError): void
  /** The engine's last word on the stream, kept as the cause of its failure. */
  lastError: Error | undefined
  /** The phase the exchange is in, for the errors the engine words. */
  readonly phase: Phase
}

/** What an engine reports about its session to the connection that owns it. @internal */
export interface SessionEvents {
  readonly endpointKey: string
  /** The server's SETTINGS took effect; `maxConcurrentStreams` is its limit now (or `Infinity`). */
  remoteSettings(maxConcurrentStreams: number): void
  /** The server acknowledged our SETTINGS. */
  settingsAcknowledged(): void
  /** GOAWAY arrived; the streams above `lastStreamId` are refused by their own events. */
  goaway(code: number, lastStreamId: number): void
  /** An ORIGIN frame (RFC 8336) listed these origins. */
  origins(origins: ReadonlyArray<string>): void
  /** Why the session is failing, kept as the cause of what follows. */
  error(error: unknown): void
  /** Our side found the server breaking the protocol: the session is ending with this error. */
  protocolFailure(error: RequestsError): void
  /** The session is gone. */
  sessionClosed(): void
  /** Time on the pool's clock, in milliseconds. */
  now(): number
}

/**
 * Why a session opened no stream: with `retire`, it takes none again (it is
 * closing, or out of stream ids); without, not now (the server lowered its
 * limit since the slot was taken), and another connection may.
 *
 * @internal
 */
export interface Refused {
  readonly _tag: "Refused"
  readonly retire: boolean
  readonly cause: unknown
}

/** Why a session could not open a stream. @internal */
export type OpenRefusal = Refused | InvalidRequestError

/** One HTTP/2 session over one socket, as the connection drives it. @internal */
export interface SessionIo {
  /** The session is destroyed. */
  readonly gone: boolean
  /** Opens a stream for a request head; its body follows through the stream unless `endStream`. */
  open(fields: RequestFields, endStream: boolean, events: StreamEvents): StreamIo | OpenRefusal
  /** Sends a PING; `onAck(true)` on its answer, `onAck(false)` if the session dies first. `false` if none was sent. */
  ping(onAck: (ok: boolean) => void): boolean
  /** GOAWAY, then the session closes once its streams are done. */
  close(): void
  /** Ends the session now. */
  destroy(): void
}
