/**
 * A stream handed out by a pool, as an `@effect/platform` `Socket` and as
 * the node `Duplex` under it.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as Effect from "effect/Effect"
import * as http2 from "node:http2"
import type { Duplex } from "node:stream"
import { destroyIfClosedByPeer } from "../h2/closed-by-peer.js"

const { NGHTTP2_CANCEL } = http2.constants

/** One pooled stream. @internal */
export interface PooledStream {
  /** The 8-hex-digit ID the server gave it. */
  readonly id: string
  /** The stream as a platform socket: `run`, `writer`, and every API built on them. */
  readonly socket: Socket.Socket
  /** The HTTP/2 stream itself, for node APIs (`pipeline`, `net.Socket#pipe`). */
  readonly duplex: Duplex
}

/** Wraps an open HTTP/2 stream. @internal */
export const makePooledStream = (id: string, duplex: Duplex): Effect.Effect<PooledStream> =>
  Effect.map(NodeSocket.fromDuplex(Effect.succeed(duplex)), (socket) => {
    duplex.once("end", destroyIfClosedByPeer)
    return { id, socket, duplex }
  })

/** What a pool reports about itself. @internal */
export interface PoolStats {
  /** Streams open and waiting in the pool, not yet handed out. */
  readonly active: number
  /** How many the pool aims to keep (client) or accepts at most (server). */
  readonly capacity: number
  /** Current time between creation rounds (client); `0` on the server. */
  readonly intervalMillis: number
  /** Errors since creation or the last `resetErrors`. */
  readonly errors: number
  /** Client: connected to a server. Server: listening. */
  readonly ready: boolean
}

/** How long a released stream may wait for the peer to end its side before it is reset. */
const LINGER_MILLIS = 5_000

/**
 * Ends a stream its holder is done with. Our side ends with END_STREAM and
 * what the peer still sends is drained, so a stream both ends release
 * closes without RST_STREAM: resets crossing on a stream already closed
 * count as invalid frames, and enough of them make node end the session.
 * A peer that never ends its side is reset after a linger period (node's
 * stream idle timer, as no fiber outlives the release).
 *
 * @internal
 */
export const closeStream = (pooled: PooledStream): void => {
  const duplex = pooled.duplex as http2.Http2Stream
  if (duplex.destroyed) return
  if (duplex.closed) {
    // Closed by the peer with our writes still queued: they can never go.
    if (duplex.readableEnded) duplex.destroy()
    else duplex.resume()
    return
  }
  if (!duplex.writableEnded) duplex.end()
  duplex.resume()
  duplex.setTimeout(LINGER_MILLIS, () => {
    if (!duplex.closed && !duplex.destroyed) duplex.close(NGHTTP2_CANCEL)
  })
}
