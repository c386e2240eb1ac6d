/**
 * One stream of our engine's session under the send windows: what `write`
 * and `end` take when the windows do not let it all out, what goes out
 * once they open, and what `drained` tells the writer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { StreamIo } from "../../../../src/internal/h2/engine/session-io.js"
import { frame } from "../../../hostile/support.js"
import {
  DATA,
  dataBytes,
  HEADERS,
  openSession,
  type Peer,
  PING,
  request,
  RST_STREAM,
  settings,
  streamEvents,
  u32,
  WINDOW_UPDATE
} from "./support.js"

/** Sends `frames`, then waits out two PING round trips: whatever the client sent in answer is in by then. */
const roundTrip = (peer: Peer, ...frames: Array<Buffer>) =>
  Effect.gen(function* () {
    const acks = peer.count(PING, 1)
    peer.send(...frames, frame(PING, 0, 0, Buffer.alloc(8)))
    yield* peer.until(() => peer.count(PING, 1) === acks + 1)
    peer.send(frame(PING, 0, 0, Buffer.alloc(8)))
    yield* peer.until(() => peer.count(PING, 1) === acks + 2)
  })

/** The request body the server received, in order. */
const bodyOf = (peer: Peer): Buffer =>
  Buffer.concat(peer.frames.filter((f) => f.type === DATA).map((f) => f.payload))

/** One turn of the event loop: the session's flush, queued before it, has run. */
const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Whether `drained` is done at once. */
const drainedNow = (stream: StreamIo): boolean => {
  try {
    Effect.runSync(stream.drained)
    return true
  } catch {
    return false
  }
}

/** A session whose server keeps the default windows (65,535 bytes), and one upload stream on it. */
const upload = Effect.gen(function* () {
  const { peer, session } = yield* openSession()
  const stream = session.open(request, false, streamEvents()) as StreamIo
  yield* peer.until((frames) => frames.some((f) => f.type === HEADERS))
  return { peer, stream }
})

const openWindows = (n: number) => [frame(WINDOW_UPDATE, 0, 0, u32(n)), frame(WINDOW_UPDATE, 0, 1, u32(n))]

describe("a stream of our HTTP/2 engine", () => {
  it.scoped("a write the windows take asks no wait; drained is done at once", () =>
    Effect.gen(function* () {
      const { stream } = yield* upload
      expect(stream.write(new Uint8Array(100))).toBe(true)
      expect(drainedNow(stream)).toBe(true)
    })
  )

  it.scoped("bytes past the window wait, in order, and the end goes out after them once it opens", () =>
    Effect.gen(function* () {
      const { peer, stream } = yield* upload
      expect(stream.write(Buffer.alloc(70_000, "a"))).toBe(false)
      expect(drainedNow(stream)).toBe(false)
      // Written without waiting for drained: queued behind the rest.
      expect(stream.write(Buffer.alloc(1_000, "b"))).toBe(false)
      stream.end()
      expect(stream.localEnded).toBe(false)
      yield* roundTrip(peer, ...openWindows(10_000))
      expect(bodyOf(peer).equals(Buffer.concat([Buffer.alloc(70_000, "a"), Buffer.alloc(1_000, "b")]))).toBe(
        true
      )
      const last = peer.frames.filter((f) => f.type === DATA).at(-1)!
      expect(last.flags & 1).toBe(1)
      expect(stream.localEnded).toBe(true)
      expect(drainedNow(stream)).toBe(true)
    })
  )

  it.scoped("once the window lets out what waited, the stream is still open for more", () =>
    Effect.gen(function* () {
      const { peer, stream } = yield* upload
      expect(stream.write(new Uint8Array(70_000))).toBe(false)
      yield* roundTrip(peer, ...openWindows(10_000))
      expect(dataBytes(peer)).toBe(70_000)
      expect(stream.localEnded).toBe(false)
      expect(drainedNow(stream)).toBe(true)
      expect(stream.write(new Uint8Array(10))).toBe(true)
      stream.end()
      expect(stream.localEnded).toBe(true)
      yield* roundTrip(peer)
      expect(dataBytes(peer)).toBe(70_010)
      expect(peer.frames.filter((f) => f.type === DATA).at(-1)!.flags & 1).toBe(1)
    })
  )

  it.scoped("on a stream the server reset with bytes still waiting, writes ask no wait", () =>
    Effect.gen(function* () {
      const { peer, stream } = yield* upload
      expect(stream.write(new Uint8Array(70_000))).toBe(false)
      yield* roundTrip(peer, frame(RST_STREAM, 0, 1, u32(8)))
      expect(stream.closed).toBe(true)
      expect(stream.write(new Uint8Array(10))).toBe(true)
      expect(drainedNow(stream)).toBe(true)
    })
  )

  it.scoped(
    "once the socket is over its high-water mark, writes ask the writer to wait until it drains",
    () =>
      Effect.gen(function* () {
        const { client, peer, session } = yield* openSession({}, settings([4, 2 ** 31 - 1]))
        peer.send(frame(WINDOW_UPDATE, 0, 0, u32(2 ** 31 - 1 - 65_535)))
        yield* roundTrip(peer)
        const stream = session.open(request, false, streamEvents()) as StreamIo
        // The server reads nothing more: more than loopback buffers, so the socket cannot drain.
        peer.socket.pause()
        expect(stream.write(new Uint8Array(32 * 1024 * 1024))).toBe(true)
        yield* eventLoopTurn
        expect(client.writableNeedDrain).toBe(true)
        expect(stream.write(new Uint8Array(10))).toBe(false)
        expect(drainedNow(stream)).toBe(false)
        peer.socket.resume()
        yield* stream.drained
      })
  )
})
