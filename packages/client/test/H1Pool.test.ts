/**
 * The HTTP/1.1 pool's options, each seen from the server's side of a
 * loopback connection: which connection a request came on, and how much of
 * a response the client let the server write.
 */
import * as fs from "node:fs"
import type * as http from "node:http"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Queue, Stream, TestClock } from "effect"

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

/** One turn of Node's event loop, so socket callbacks pending now get to run. */
const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

describe("H1Pool maxLifetime", () => {
  it.scoped("a connection is reused until it is maxLifetime old, then a new one is opened", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      yield* text(`${server.url}/bytes/1`)
      // Steps shorter than the reuse window of the server's `Keep-Alive: timeout=5`.
      yield* TestClock.adjust("2 seconds")
      yield* text(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(1)
      // Three seconds after it was opened, idle for only one: retired all the same.
      yield* TestClock.adjust("1 second")
      yield* text(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(2)
      yield* server.awaitClosedConnections(1)
      yield* text(`${server.url}/bytes/1`)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(Requests.layer({ h1: { maxLifetime: "3 seconds" } })))
  )
})

/**
 * A server that records on which connection each request came, and answers
 * them in order only once `answer` is done, so a test sees what the client
 * wrote ahead of any response.
 */
const recordingServer = Effect.gen(function* () {
  const answer = yield* Deferred.make<void>()
  const seen: Array<{ readonly connection: number; readonly body: string }> = []
  const server = yield* RawServer.make((conn, connection) =>
    Effect.gen(function* () {
      const requests = yield* Queue.unbounded<RawServer.RawRequest>()
      yield* Effect.fork(
        Effect.forever(
          Effect.flatMap(conn.readRequest, (request) => {
            seen.push({ connection, body: request.body.toString() })
            return Queue.offer(requests, request)
          })
        )
      )
      yield* Deferred.await(answer)
      for (;;) {
        const request = yield* Queue.take(requests)
        yield* conn.write(RawServer.response(200, {}, request.body.toString()))
      }
    })
  )
  const awaitSeen = (n: number) =>
    Wait.within(
      Effect.gen(function* () {
        while (seen.length < n) yield* eventLoopTurn
      }),
      { helper: "awaitSeen", unit: "request", target: n, seen: () => seen.length }
    )
  return { server, seen, awaitSeen, answer: Deferred.succeed(answer, undefined) }
})

const post = (url: string, body: string) =>
  HttpClient.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText(body))).pipe(
    Effect.flatMap((r) => r.text)
  )

/** Two POSTs at once over one warmed connection; which connection each reached before any answer. */
const twoPosts = Effect.gen(function* () {
  const { server, seen, awaitSeen, answer } = yield* recordingServer
  const requests = yield* Requests.Requests
  yield* requests.warm(server.url)
  const both = yield* Effect.fork(
    Effect.all([post(`${server.url}/a`, "a"), post(`${server.url}/b`, "b")], { concurrency: 2 })
  )
  yield* awaitSeen(2)
  yield* answer
  expect(yield* Fiber.join(both)).toEqual(["a", "b"])
  return seen
})

describe("H1Pool pipelineNonIdempotent", () => {
  it.scoped("with it, two POSTs are pipelined on one connection, both written before either answer", () =>
    Effect.gen(function* () {
      const seen = yield* twoPosts
      expect(seen).toEqual([
        { connection: 0, body: "a" },
        { connection: 0, body: "b" }
      ])
    }).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 2, pipelineNonIdempotent: true } })))
  )

  it.scoped("without it, the second POST waits for a connection of its own", () =>
    Effect.gen(function* () {
      const seen = yield* twoPosts
      expect(seen.map((s) => s.connection).sort()).toEqual([0, 1])
    }).pipe(Effect.provide(Requests.layer({ h1: { pipelining: 2 } })))
  )
})

/**
 * Most payload bytes the kernel may hold between the two ends of a loopback
 * connection: the receiver's buffer and the sender's, each at most the
 * largest size TCP autotuning gives it. Read from Linux's settings; 8 MiB
 * each elsewhere.
 */
const kernelBuffers = (): number => {
  const largest = (name: string) => {
    const path = `/proc/sys/net/ipv4/${name}`
    if (!fs.existsSync(path)) return 8 * 1024 * 1024
    return Number(fs.readFileSync(path, "utf8").trim().split(/\s+/)[2])
  }
  return largest("tcp_rmem") + largest("tcp_wmem")
}

/**
 * A server writing `total` bytes as fast as the socket accepts them, and
 * counting what the socket took (handed to the kernel, not queued in Node).
 */
const floodServer = (total: number) =>
  Effect.gen(function* () {
    let accepted = 0
    const server = yield* HttpTestServer.make({
      handler: (_: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { "Content-Length": String(total) })
        const socket = res.socket!
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        let written = 0
        const pump = () => {
          while (written < total) {
            const size = Math.min(chunk.length, total - written)
            written += size
            const more = res.write(size === chunk.length ? chunk : chunk.subarray(0, size))
            accepted = socket.bytesWritten - socket.writableLength
            if (!more) return void res.once("drain", pump)
          }
          res.end()
        }
        pump()
        socket.on("drain", () => {
          accepted = socket.bytesWritten - socket.writableLength
        })
      }
    })
    return { server, accepted: () => accepted }
  })

/** Turns of the event loop until `accepted` stays put for `quiet` turns in a row. */
const untilStill = (accepted: () => number, quiet = 200) =>
  Effect.suspend(() => {
    let last = -1
    let still = 0
    return Wait.within(
      Effect.gen(function* () {
        while (still < quiet) {
          yield* eventLoopTurn
          const now = accepted()
          still = now === last ? still + 1 : 0
          last = now
        }
      }),
      { helper: "untilStill", unit: "quiet turn", target: quiet, seen: () => still }
    )
  })

describe("H1Pool highWaterMark", () => {
  const slack = kernelBuffers() + 1024 * 1024
  // Larger than all the kernel can hold, so that only the client's own buffer explains reaching it.
  const highWaterMark = slack + 4 * 1024 * 1024
  const total = highWaterMark + slack + 8 * 1024 * 1024

  it.scoped(
    "a reader that reads nothing lets the server write about highWaterMark bytes, then none",
    () =>
      Effect.gen(function* () {
        const { server, accepted } = yield* floodServer(total)
        const response = yield* HttpClient.get(`${server.url}/`)
        yield* Effect.gen(function* () {
          yield* Wait.within(
            Effect.gen(function* () {
              while (accepted() < highWaterMark) yield* eventLoopTurn
            }),
            { helper: "accepted", unit: "byte", target: highWaterMark, seen: accepted }
          )
          yield* untilStill(accepted)
          expect(accepted()).toBeLessThanOrEqual(highWaterMark + slack)
        }).pipe(
          // On failure, finish the exchange so that closing the pool does not wait on it under the TestClock.
          Effect.onError(() => Effect.ignore(Stream.runDrain(response.stream)))
        )
        // Reading resumes the transfer, and nothing was lost while it waited.
        const received = yield* Stream.runFold(response.stream, 0, (n, chunk) => n + chunk.length)
        expect(received).toBe(total)
      }).pipe(Effect.provide(Requests.layer({ h1: { highWaterMark } }))),
    // Moves tens of MiB, past all the kernel's buffers.
    60_000
  )
})
