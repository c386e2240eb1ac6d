/**
 * The HTTP/2 pool's flow-control options, read where they take effect: in
 * the settings and window the server's session sees, and in how much of a
 * response the client lets the server send.
 */
import type * as http2 from "node:http2"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Http2TestServer, Wait } from "@effect-requests/testing"
import { Effect, Stream, TestClock } from "effect"

/** One turn of Node's event loop, so socket callbacks pending now get to run. */
const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

describe("H2ConnectionPool windows and header list size", () => {
  it.scoped("initialWindowSize, connectionWindowSize and maxHeaderListSize reach the server's session", () =>
    Effect.gen(function* () {
      const seen: Array<{ settings: http2.Settings; connectionWindow: number | undefined }> = []
      const server = yield* Http2TestServer.make({
        handler: (stream) => {
          const session = stream.session!
          seen.push({ settings: session.remoteSettings, connectionWindow: session.state.remoteWindowSize })
          stream.respond({ ":status": 200 })
          stream.end("ok")
        }
      })
      const body = yield* Effect.flatMap(HttpClient.get(`${server.url}/`), (r) => r.text)
      expect(body).toBe("ok")
      expect(seen).toHaveLength(1)
      expect(seen[0]!.settings).toMatchObject({ initialWindowSize: 300_000, maxHeaderListSize: 20_000 })
      // The connection's window as the server may fill it: nothing was sent on it yet.
      expect(seen[0]!.connectionWindow).toBe(5_000_000)
    }).pipe(
      Effect.provide(
        Requests.layer({
          protocol: "h2c",
          h2: { initialWindowSize: 300_000, connectionWindowSize: 5_000_000, maxHeaderListSize: 20_000 }
        })
      )
    )
  )
})

/**
 * A server that sends `total` bytes on every stream as fast as the stream
 * takes them, counting what HTTP/2 flow control let through.
 */
const floodServer = (total: number) =>
  Effect.gen(function* () {
    let sent = 0
    const server = yield* Http2TestServer.make({
      handler: (stream) => {
        stream.respond({ ":status": 200, "content-length": String(total) })
        const chunk = Buffer.alloc(16 * 1024, 0x61)
        let written = 0
        const pump = () => {
          while (written < total) {
            const size = Math.min(chunk.length, total - written)
            written += size
            const more = stream.write(size === chunk.length ? chunk : chunk.subarray(0, size), () => {
              sent += size
            })
            if (!more) return void stream.once("drain", pump)
          }
          stream.end()
        }
        pump()
      }
    })
    return { server, sent: () => sent }
  })

/** Turns of the event loop until `count` stays put for `quiet` turns in a row. */
const untilStill = (count: () => number, quiet = 200) =>
  Effect.suspend(() => {
    let last = -1
    let still = 0
    return Wait.within(
      Effect.gen(function* () {
        while (still < quiet) {
          yield* eventLoopTurn
          const now = count()
          still = now === last ? still + 1 : 0
          last = now
        }
      }),
      { helper: "untilStill", unit: "quiet turn", target: quiet, seen: () => still }
    )
  })

describe("H2ConnectionPool highWaterMark", () => {
  const highWaterMark = 2 * 1024 * 1024
  const initialWindowSize = 256 * 1024
  const total = 16 * 1024 * 1024

  it.scoped(
    "a reader that reads nothing lets the server send highWaterMark bytes and one stream window, then none",
    () =>
      Effect.gen(function* () {
        const { server, sent } = yield* floodServer(total)
        const response = yield* HttpClient.get(`${server.url}/`)
        yield* Effect.gen(function* () {
          yield* Wait.within(
            Effect.gen(function* () {
              while (sent() < highWaterMark) yield* eventLoopTurn
            }),
            { helper: "sent", unit: "byte", target: highWaterMark, seen: sent }
          )
          yield* untilStill(sent)
          // Node's own stream buffer (16 KiB) sits between the window and the client's buffer.
          expect(sent()).toBeLessThanOrEqual(highWaterMark + initialWindowSize + 64 * 1024)
        }).pipe(
          // On failure, finish the exchange so that closing the pool does not wait on it under the TestClock.
          Effect.onError(() => Effect.ignore(Stream.runDrain(response.stream)))
        )
        const received = yield* Stream.runFold(response.stream, 0, (n, chunk) => n + chunk.length)
        expect(received).toBe(total)
      }).pipe(Effect.provide(Requests.layer({ protocol: "h2c", h2: { highWaterMark, initialWindowSize } })))
  )

  it.scoped("a reader that stops again after reading on holds the server back again", () =>
    Effect.gen(function* () {
      const { server, sent } = yield* floodServer(total)
      const response = yield* HttpClient.get(`${server.url}/`)
      const pull = yield* Stream.toPull(response.stream)
      // Nothing read at first: the server is held back once.
      yield* untilStill(sent)
      expect(sent()).toBeLessThan(total / 2)
      // Then half the body read, and the reader stops again.
      let received = 0
      while (received < total / 2) for (const chunk of yield* pull) received += chunk.length
      yield* untilStill(sent)
      expect(sent()).toBeLessThanOrEqual(received + highWaterMark + initialWindowSize + 64 * 1024)
      for (;;) {
        const next = yield* Effect.either(pull)
        if (next._tag === "Left") break
        for (const chunk of next.right) received += chunk.length
      }
      expect(received).toBe(total)
    }).pipe(Effect.provide(Requests.layer({ protocol: "h2c", h2: { highWaterMark, initialWindowSize } })))
  )

  it.scoped(
    "a reader that stops for longer than bodyTimeout is no stall: the rest comes when it reads on",
    () =>
      Effect.gen(function* () {
        const { server, sent } = yield* floodServer(total)
        const response = yield* HttpClient.get(`${server.url}/`)
        yield* untilStill(sent)
        expect(sent()).toBeGreaterThan(highWaterMark)
        expect(sent()).toBeLessThan(total)
        // A minute without a byte, six times bodyTimeout, while the reader holds the stream paused.
        for (let t = 0; t < 60; t++) {
          yield* TestClock.adjust("1 second")
          yield* eventLoopTurn
        }
        const received = yield* Stream.runFold(response.stream, 0, (n, chunk) => n + chunk.length)
        expect(received).toBe(total)
      }).pipe(
        Effect.provide(
          Requests.layer({
            protocol: "h2c",
            h2: { highWaterMark, initialWindowSize, bodyTimeout: "10 seconds" }
          })
        )
      )
  )
})
