/**
 * How node's `Http2Stream` events reach the exchange that owns the stream:
 * shared module-level listeners that find their exchange through a symbol
 * on the node stream, so opening a stream allocates no closure for them.
 *
 * @internal
 */
import type * as http2 from "node:http2"
import { destroyIfClosedByPeer } from "./closed-by-peer.js"
import { lastHeadSize, toHead } from "./response-head.js"
import type { H2Stream } from "./stream.js"

const kExchange = Symbol("effect-requests/h2/exchange")

interface OwnedStream extends http2.ClientHttp2Stream {
  [kExchange]: H2Stream
}

function onResponse(
  this: OwnedStream,
  headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader
): void {
  const head = toHead(headers)
  const exchange = this[kExchange]
  const size = lastHeadSize()
  if (size > exchange.maxHeaderListSize) exchange.headTooLarge(size)
  else exchange.setHead(head)
}

function onInterim(this: OwnedStream): void {
  this[kExchange].interim()
}

function onData(this: OwnedStream, chunk: Buffer): void {
  this[kExchange].pushBody(chunk)
}

function onEnd(this: OwnedStream): void {
  this[kExchange].complete()
  destroyIfClosedByPeer.call(this)
}

function onError(this: OwnedStream, error: Error): void {
  // The code that matters arrives as `rstCode` with 'close'; the error is kept as the cause.
  this[kExchange].lastError = error
}

function onReady(this: OwnedStream): void {
  this[kExchange].id = this.id ?? 0
}

function onClose(this: OwnedStream): void {
  this[kExchange].closed(this.rstCode)
}

/** Sends the node stream's events to `exchange`. @internal */
export const listen = (stream: http2.ClientHttp2Stream, exchange: H2Stream): void => {
  const owned = stream as OwnedStream
  owned[kExchange] = exchange
  // A session still connecting assigns the id later.
  if (stream.id === undefined) stream.once("ready", onReady)
  stream.on("response", onResponse)
  stream.on("headers", onInterim)
  stream.on("data", onData)
  stream.on("end", onEnd)
  stream.on("error", onError)
  stream.on("close", onClose)
}
