/**
 * A `node:http2` stream behind the engine-neutral {@link StreamIo}, and how
 * its events reach the exchange that owns it: shared module-level
 * listeners that find their exchange through a symbol on the node stream,
 * so opening a stream allocates no closure for them.
 *
 * @internal
 */
import type * as http2 from "node:http2"
import * as Effect from "effect/Effect"
import { destroyIfClosedByPeer } from "../closed-by-peer.js"
import { lastHeadSize, toHead } from "../response-head.js"
import type { StreamEvents, StreamIo } from "./session-io.js"

const kExchange = Symbol("effect-requests/h2/exchange")

interface OwnedStream extends http2.ClientHttp2Stream {
  [kExchange]: StreamEvents
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

function onClose(this: OwnedStream): void {
  this[kExchange].closed(this.rstCode)
}

const drained = (stream: http2.ClientHttp2Stream): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const onDrain = () => {
      stream.off("close", onDone)
      resume(Effect.void)
    }
    // A closed stream never drains; the next chunk sees why it closed.
    const onDone = () => {
      stream.off("drain", onDrain)
      resume(Effect.void)
    }
    stream.once("drain", onDrain)
    stream.once("close", onDone)
    return Effect.sync(() => {
      stream.off("drain", onDrain)
      stream.off("close", onDone)
    })
  })

/** A node stream, driven by its exchange. @internal */
export class NodeStream implements StreamIo {
  readonly drained: Effect.Effect<void>

  constructor(readonly stream: http2.ClientHttp2Stream) {
    this.drained = Effect.suspend(() => drained(stream))
  }

  get id(): number {
    // A session still connecting assigns the id later.
    return this.stream.id ?? 0
  }

  get closed(): boolean {
    return this.stream.closed || this.stream.destroyed
  }

  get rstCode(): number | undefined {
    return this.stream.rstCode
  }

  get localEnded(): boolean {
    return this.stream.writableFinished
  }

  pause(): void {
    this.stream.pause()
  }

  resume(): void {
    this.stream.resume()
  }

  write(chunk: Uint8Array): boolean {
    return this.stream.write(chunk)
  }

  end(chunk?: Uint8Array): void {
    if (chunk === undefined) this.stream.end()
    else this.stream.end(chunk)
  }

  cancel(code: number): void {
    const stream = this.stream
    if (!stream.closed && !stream.destroyed) stream.close(code)
    else destroyIfClosedByPeer.call(stream)
  }
}

/** Sends the node stream's events to `exchange`. @internal */
export const listen = (stream: http2.ClientHttp2Stream, exchange: StreamEvents): NodeStream => {
  const owned = stream as OwnedStream
  owned[kExchange] = exchange
  stream.on("response", onResponse)
  stream.on("headers", onInterim)
  stream.on("data", onData)
  stream.on("end", onEnd)
  stream.on("error", onError)
  stream.on("close", onClose)
  return new NodeStream(stream)
}
