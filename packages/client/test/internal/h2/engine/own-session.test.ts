/**
 * Our engine's session, driven through the {@link SessionIo} face the
 * connection uses, over a real loopback socket whose other end a test
 * scripts frame by frame: PINGs and their limit, refusals of `open`, the
 * session's end by either side, and the window a closed stream gives back.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { OwnSession } from "../../../../src/internal/h2/engine/own-session.js"
import type { StreamIo } from "../../../../src/internal/h2/engine/session-io.js"
import { resolveOptions } from "../../../../src/internal/h2/options.js"
import { eventLoopTurn } from "../../../helpers.js"
import { frame } from "../../../hostile/support.js"
import {
  connection,
  DATA,
  dataBytes,
  GOAWAY,
  HEADERS,
  openSession,
  ORIGIN,
  PING,
  pingAck,
  pingOutcome,
  Recorder,
  request,
  RST_STREAM,
  settings,
  streamEvents,
  u32,
  WINDOW_UPDATE
} from "./support.js"

describe("our HTTP/2 engine's session", () => {
  it.scoped("sends at most 10 PINGs unanswered, and another once one is answered", () =>
    Effect.gen(function* () {
      const { peer, session } = yield* openSession()
      const first = yield* pingOutcome()
      expect(session.ping(first.onAck)).toBe(true)
      for (let i = 1; i < 10; i++) expect(session.ping(() => {})).toBe(true)
      expect(session.ping(() => {})).toBe(false)
      yield* peer.until(() => peer.count(PING) === 10)
      peer.send(pingAck(peer.frames.find((f) => f.type === PING)!))
      expect(yield* Fiber.join(first.fiber)).toBe(true)
      expect(session.ping(() => {})).toBe(true)
      yield* peer.until(() => peer.count(PING) === 11)
    })
  )

  it.scoped("sends no PING once closing, nor once destroyed", () =>
    Effect.gen(function* () {
      const closing = yield* openSession()
      closing.session.close()
      expect(closing.session.ping(() => {})).toBe(false)
      const destroyed = yield* openSession()
      destroyed.session.destroy()
      expect(destroyed.session.ping(() => {})).toBe(false)
    })
  )

  it.scoped(
    "when the server drops the socket: the PING waiting fails, open streams close, and the session is gone",
    () =>
      Effect.gen(function* () {
        const { events, peer, session } = yield* openSession()
        const open = session.open(request, false, streamEvents()) as StreamIo
        const pending = yield* pingOutcome()
        expect(session.ping(pending.onAck)).toBe(true)
        peer.socket.destroy()
        expect(yield* Fiber.join(pending.fiber)).toBe(false)
        expect(session.gone).toBe(true)
        expect(open.closed).toBe(true)
        yield* open.drained
        expect(events.closed).toBe(1)
        const refused = session.open(request, true, streamEvents())
        expect(refused).toMatchObject({ _tag: "Refused", retire: true })
      })
  )

  it.scoped("destroy sends GOAWAY, then ends the socket and the session", () =>
    Effect.gen(function* () {
      const { client, peer, session } = yield* openSession()
      session.destroy()
      expect(session.gone).toBe(true)
      expect(client.destroyed).toBe(true)
      yield* peer.endSeen
      expect(peer.count(GOAWAY)).toBe(1)
    })
  )

  it.scoped("over a socket already destroyed, the session is gone from the start and opens nothing", () =>
    Effect.gen(function* () {
      const { client } = yield* connection
      client.destroy()
      const session = new OwnSession(client, resolveOptions(), new Recorder())
      expect(session.gone).toBe(true)
      const refused = session.open(request, true, streamEvents())
      expect(refused).toMatchObject({ _tag: "Refused", retire: true })
      expect((refused as { cause: Error }).cause.message).toBe("session closed")
    })
  )

  it.scoped(
    "refuses a head HTTP/2 would call malformed, or over the server's list size, as invalid requests",
    () =>
      Effect.gen(function* () {
        const { session } = yield* openSession({}, settings([6, 200]))
        const malformed = session.open([...request, "x-bad", "a\r\nb"], true, streamEvents())
        expect(malformed).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidHeaderValue" })
        expect((malformed as { detail: string }).detail).not.toMatch(/^header list of/)
        const large = session.open([...request, "x-large", "v".repeat(200)], true, streamEvents())
        expect(large).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidHeaderValue" })
        expect((large as { detail: string }).detail).toMatch(/^header list of \d+ octets/)
      })
  )

  it.scoped("refuses a stream over the server's limit for now, and any once closing for good", () =>
    Effect.gen(function* () {
      const { session } = yield* openSession({}, settings([3, 1]))
      const first = session.open(request, true, streamEvents()) as StreamIo
      expect(first.id).toBe(1)
      expect(session.open(request, true, streamEvents())).toMatchObject({ _tag: "Refused", retire: false })
      session.close()
      expect(session.open(request, true, streamEvents())).toMatchObject({ _tag: "Refused", retire: true })
    })
  )

  it.scoped(
    "a protocol error before the server's SETTINGS fails the settings phase, after it the idle one",
    () =>
      Effect.gen(function* () {
        const before = yield* connection
        const early = new Recorder()
        new OwnSession(before.client, resolveOptions(), early)
        // A PING on a stream is a connection error wherever it comes.
        before.peer.send(frame(PING, 0, 1, Buffer.alloc(8)))
        yield* before.peer.endSeen
        expect(early.failures.map((e) => ("phase" in e ? e.phase : e._tag))).toEqual(["settings"])

        const { events, peer } = yield* openSession()
        peer.send(frame(PING, 0, 1, Buffer.alloc(8)))
        yield* peer.endSeen
        expect(events.failures.map((e) => ("phase" in e ? e.phase : e._tag))).toEqual(["idle"])
      })
  )

  it.scoped("tells its connection of a socket error", () =>
    Effect.gen(function* () {
      const { events, peer, session } = yield* openSession()
      const pending = yield* pingOutcome()
      session.ping(pending.onAck)
      peer.socket.resetAndDestroy()
      expect(yield* Fiber.join(pending.fiber)).toBe(false)
      expect(events.errors).toHaveLength(1)
      expect((events.errors[0] as NodeJS.ErrnoException).code).toBe("ECONNRESET")
    })
  )

  it.scoped(
    "what a paused reader owed goes back to the connection's window when the server resets its stream",
    () =>
      Effect.gen(function* () {
        const { peer, session } = yield* openSession({
          initialWindowSize: 65_535,
          connectionWindowSize: 65_535
        })
        const stream = session.open(request, true, streamEvents()) as StreamIo
        stream.pause()
        yield* peer.until((frames) => frames.some((f) => f.type === HEADERS))
        const body = Buffer.alloc(16_000)
        peer.send(
          frame(HEADERS, 4, 1, Buffer.from([0x88])),
          frame(DATA, 0, 1, body),
          frame(DATA, 0, 1, body),
          frame(DATA, 0, 1, body),
          frame(RST_STREAM, 0, 1, u32(8)),
          frame(PING, 0, 0, Buffer.alloc(8))
        )
        yield* peer.until(() => peer.count(PING, 1) === 1)
        const updates = peer.frames.filter((f) => f.type === WINDOW_UPDATE && f.stream === 0)
        expect(updates.map((f) => f.payload.readUInt32BE(0))).toEqual([48_000])
        expect(stream.closed).toBe(true)
      })
  )

  it.scoped("tells its connection the origins an ORIGIN frame lists", () =>
    Effect.gen(function* () {
      const { events, peer } = yield* openSession()
      const origin = Buffer.from("https://a.test")
      const entry = Buffer.concat([Buffer.from([0, origin.length]), origin])
      peer.send(frame(ORIGIN, 0, 0, entry), frame(PING, 0, 0, Buffer.alloc(8)))
      yield* peer.until(() => peer.count(PING, 1) === 1)
      expect(events.originLists).toEqual([["https://a.test"]])
    })
  )

  it.scoped("a GOAWAY keeps open the stream whose head came just before it", () =>
    Effect.gen(function* () {
      const { peer, session } = yield* openSession()
      const stream = session.open(request, true, streamEvents()) as StreamIo
      yield* peer.until((frames) => frames.some((f) => f.type === HEADERS))
      peer.send(
        frame(HEADERS, 4, 1, Buffer.from([0x88])),
        frame(GOAWAY, 0, 0, Buffer.concat([u32(1), u32(0)])),
        frame(PING, 0, 0, Buffer.alloc(8))
      )
      yield* peer.until(() => peer.count(PING, 1) === 1)
      expect(stream.closed).toBe(false)
    })
  )

  it.scoped("a stream the server ended stays open for the upload, and closes once it ends too", () =>
    Effect.gen(function* () {
      const { peer, session } = yield* openSession()
      const heads: Array<number> = []
      const stream = session.open(request, false, streamEvents(heads)) as StreamIo
      yield* peer.until((frames) => frames.some((f) => f.type === HEADERS))
      // Trailers end it: a head of their own, not a second response head.
      const trailer = Buffer.from([0x00, 3, ...Buffer.from("x-t"), 1, ...Buffer.from("1")])
      peer.send(
        frame(HEADERS, 4, 1, Buffer.from([0x88])),
        frame(DATA, 0, 1, Buffer.from("body")),
        frame(HEADERS, 5, 1, trailer),
        frame(PING, 0, 0, Buffer.alloc(8))
      )
      yield* peer.until(() => peer.count(PING, 1) === 1)
      expect(heads).toEqual([200])
      expect(stream.closed).toBe(false)
      stream.end(Buffer.from("upload"))
      expect(stream.closed).toBe(true)
      expect(stream.localEnded).toBe(true)
    })
  )

  it.scoped("a stream held up by the connection's window goes on when the connection's window opens", () =>
    Effect.gen(function* () {
      const { peer, session } = yield* openSession({}, settings([4, 1_000_000]))
      const stream = session.open(request, false, streamEvents()) as StreamIo
      expect(stream.write(new Uint8Array(70_000))).toBe(false)
      yield* peer.until(() => dataBytes(peer) === 65_535)
      peer.send(frame(WINDOW_UPDATE, 0, 0, u32(10_000)), frame(PING, 0, 0, Buffer.alloc(8)))
      yield* peer.until(() => peer.count(PING, 1) === 1)
      // What the window let out left in the write that answered the PING, or before; a second round trip has it all in.
      peer.send(frame(PING, 0, 0, Buffer.alloc(8)))
      yield* peer.until(() => peer.count(PING, 1) === 2)
      expect(dataBytes(peer)).toBe(70_000)
      yield* stream.drained
    })
  )

  it.scoped(
    "once it ended its side, it answers nothing more, though the server's PING asks for an answer",
    () =>
      Effect.gen(function* () {
        const { client, events, peer, session } = yield* openSession()
        // The server keeps its side open after our FIN, as RFC 9293 lets it, and goes on sending.
        peer.socket.allowHalfOpen = true
        session.close()
        yield* peer.endSeen
        const read = yield* Deferred.make<void>()
        client.once("data", () => Deferred.unsafeDone(read, Exit.void))
        peer.send(frame(PING, 0, 0, Buffer.alloc(8)))
        yield* Deferred.await(read)
        // The answer would be flushed on the next turn, and a write after `end` reported on the one after.
        yield* eventLoopTurn
        yield* eventLoopTurn
        expect(events.errors).toEqual([])
        expect(peer.count(PING, 1)).toBe(0)
      })
  )

  it.scoped(
    "an upload's write between a connection error and the socket's close is dropped, not held back",
    () =>
      Effect.gen(function* () {
        const { client, peer, session } = yield* openSession()
        const stream = session.open(request, false, streamEvents()) as StreamIo
        yield* peer.until((frames) => frames.some((f) => f.type === HEADERS))
        // Runs after the session read the frame below: the session is gone, the socket's close still to come.
        const wrote = yield* Deferred.make<{ accepted: boolean; closed: boolean; gone: boolean }>()
        client.once("data", () =>
          Deferred.unsafeDone(
            wrote,
            Exit.succeed({
              gone: session.gone,
              closed: stream.closed,
              accepted: stream.write(new Uint8Array(10))
            })
          )
        )
        // A PING on a stream is a connection error.
        peer.send(frame(PING, 0, 1, Buffer.alloc(8)))
        expect(yield* Deferred.await(wrote)).toEqual({ gone: true, closed: false, accepted: true })
        yield* stream.drained
      })
  )

  it.scoped(
    "an upload's end held by the window fails with the connection's error, though the answer was complete",
    () =>
      Effect.gen(function* () {
        const { peer, session } = yield* openSession({}, settings([4, 10]))
        const failures: Array<unknown> = []
        const closes: Array<number> = []
        const events = {
          ...streamEvents(),
          fail: (error: unknown) => void failures.push(error),
          closed: (code: number) => void closes.push(code)
        }
        const stream = session.open(request, false, events) as StreamIo
        expect(stream.write(new Uint8Array(20))).toBe(false)
        stream.end()
        yield* peer.until(() => dataBytes(peer) === 10)
        // The whole answer, then, in one read: the window the upload waits for, and a connection error.
        peer.send(frame(HEADERS, 5, 1, Buffer.from([0x88])), frame(PING, 0, 0, Buffer.alloc(8)))
        yield* peer.until(() => peer.count(PING, 1) === 1)
        peer.send(Buffer.concat([frame(WINDOW_UPDATE, 0, 1, u32(100)), frame(PING, 0, 1, Buffer.alloc(8))]))
        yield* stream.drained
        expect(failures).toHaveLength(1)
        expect(closes).toEqual([])
        expect(dataBytes(peer)).toBe(10)
      })
  )
})
