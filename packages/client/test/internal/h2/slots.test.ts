/**
 * The stream slots of an HTTP/2 connection are the permits of its
 * semaphore: as many as the server's SETTINGS allow, and every one given
 * back whichever step an exchange is interrupted at.
 */
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Layer, Stream } from "effect"
import { Dialer } from "../../../src/Dialer.js"
import type { H2Stats } from "../../../src/H2ConnectionPool.js"
import { dialerLayer, fetchText, poolLayer, send, stats } from "./support.js"

/** One turn of Node's event loop, so socket callbacks pending now get to run. */
const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Waits, turn by turn, until the pool's figures satisfy `wanted`; fails with what it saw after 10,000 turns. */
const awaitStats = (wanted: (figures: H2Stats) => boolean, what: string) =>
  Effect.gen(function* () {
    for (let turn = 0; turn < 10_000; turn++) {
      const figures = yield* stats
      if (wanted(figures)) return figures
      yield* eventLoopTurn
    }
    return yield* Effect.dieMessage(`pool never reached ${what}: ${JSON.stringify(yield* stats)}`)
  })

const hold = (server: Http2TestServer.Http2TestServer, key: string) => fetchText(`${server.url}/hold/${key}`)

/** Three exchanges held at once on one connection: the whole capacity is usable. */
const fillsCapacity = (server: Http2TestServer.Http2TestServer, key: string) =>
  Effect.gen(function* () {
    const before = server.stats.requests
    const fibers = yield* Effect.forkAll([hold(server, key), hold(server, key), hold(server, key)])
    yield* server.awaitRequests(before + 3)
    expect(yield* stats).toMatchObject({ activeStreams: 3, maxConcurrent: 3 })
    yield* server.release(key)
    yield* Fiber.join(fibers)
    yield* awaitStats((s) => s.activeStreams === 0, "no active stream")
  })

const strict = poolLayer({ strictMaxConcurrentStreams: true })

describe("H2ConnectionPool stream slots", () => {
  it.scoped("permits equal the server's limit, and no more streams are ever open", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
      const fibers = yield* Effect.forkAll(Array.from({ length: 7 }, () => hold(server, "k")))
      yield* server.awaitRequests(3)
      expect(yield* stats).toMatchObject({ connections: 1, activeStreams: 3, maxConcurrent: 3 })
      yield* server.release("k")
      yield* server.awaitRequests(6)
      yield* server.release("k")
      yield* server.awaitRequests(7)
      yield* server.release("k")
      yield* Fiber.join(fibers)
      expect(server.sessions[0]!.peakConcurrentStreams).toBe(3)
      expect(yield* awaitStats((s) => s.activeStreams === 0, "no active stream")).toMatchObject({
        maxConcurrent: 3
      })
    }).pipe(Effect.provide(strict))
  )

  it.scoped("interrupted while waiting in line for a slot: no permit is taken or lost", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
      const holders = yield* Effect.forkAll([hold(server, "a"), hold(server, "a"), hold(server, "a")])
      yield* server.awaitRequests(3)
      const waiting = yield* Effect.fork(fetchText(`${server.url}/bytes/1`))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiting)
      yield* server.release("a")
      yield* Fiber.join(holders)
      yield* awaitStats((s) => s.activeStreams === 0, "no active stream")
      expect(server.stats.requests).toBe(3)
      yield* fillsCapacity(server, "b")
    }).pipe(Effect.provide(strict))
  )

  it.scoped(
    "interrupted while waiting for the response head: the stream is cancelled and its slot comes back",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
        const fibers = yield* Effect.forkAll([hold(server, "a"), hold(server, "a")])
        yield* server.awaitRequests(2)
        expect((yield* stats).activeStreams).toBe(2)
        yield* Fiber.interrupt(fibers)
        yield* server.awaitStreamsClosed(2)
        expect(server.streams.every((s) => s.rstCode === 8)).toBe(true)
        yield* awaitStats((s) => s.activeStreams === 0, "no active stream")
        yield* fillsCapacity(server, "b")
      }).pipe(Effect.provide(strict))
  )

  it.scoped(
    "interrupted while the request body is streaming: the stream is cancelled and its slot comes back",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
        const sentSome = yield* Deferred.make<void>()
        const body = Stream.concat(
          Stream.make(new Uint8Array(16)).pipe(Stream.tap(() => Deferred.succeed(sentSome, undefined))),
          Stream.never
        )
        const upload = yield* Effect.fork(
          send(`${server.url}/echo`, {
            method: "POST",
            body: { _tag: "Stream", stream: body, length: undefined, contentType: undefined }
          })
        )
        yield* Deferred.await(sentSome)
        yield* server.awaitRequests(1)
        yield* Fiber.interrupt(upload)
        yield* server.awaitStreamsClosed(1)
        yield* awaitStats((s) => s.activeStreams === 0, "no active stream")
        yield* fillsCapacity(server, "b")
      }).pipe(Effect.provide(strict))
  )

  it.scoped(
    "interrupted while its connection is being dialed: the dial is given up and the next request dials",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ maxConcurrentStreams: 3 })
        const dialing = yield* Deferred.make<void>()
        let dials = 0
        // The first dial never completes, as with a peer that accepts and then says nothing.
        const stalling = Layer.effect(
          Dialer,
          Effect.map(Dialer, (real) => ({
            ...real,
            dial: (endpoint, request) =>
              ++dials === 1
                ? Effect.zipRight(Deferred.succeed(dialing, undefined), Effect.never)
                : real.dial(endpoint, request)
          }))
        ).pipe(Layer.provide(dialerLayer))
        yield* Effect.gen(function* () {
          const first = yield* Effect.fork(fetchText(`${server.url}/bytes/1`))
          yield* Deferred.await(dialing)
          yield* Fiber.interrupt(first)
          expect(yield* stats).toMatchObject({ connections: 0, activeStreams: 0 })
          expect((yield* fetchText(`${server.url}/bytes/2`)).text).toBe("ab")
          expect(dials).toBe(2)
          yield* fillsCapacity(server, "b")
        }).pipe(Effect.provide(poolLayer({ strictMaxConcurrentStreams: true }, stalling)))
      })
  )
})
