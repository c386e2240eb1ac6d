import * as net from "node:net"
import { HttpClient, HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, Wait } from "@effect-requests/testing"
import { Chunk, Deferred, Effect, Either, Fiber, Option, Queue, Stream, TestClock } from "effect"
import { eventLoopTurn, memoryGrowth } from "../../helpers.js"

// The connection is under test: without the batteries, a fault is not retried on the TestClock.
const client = Requests.layer({ batteries: false })

const stats = Effect.flatMap(Requests.Requests, (r) => r.stats)

/** The typed cause under the platform error. */
const causeOf = (error: unknown) =>
  error instanceof HttpClientError.RequestError || error instanceof HttpClientError.ResponseError
    ? (error.cause as { readonly _tag: string; readonly reason?: string; readonly phase?: string })
    : undefined

const malformed: ReadonlyArray<readonly [string, string, string]> = [
  ["bad status line", "HTTP/1.1 2OO OK\r\n\r\n", "InvalidStatusLine"],
  ["unsupported version", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", "InvalidVersion"],
  ["CR inside a header value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n", "BareCR"],
  ["obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", "ObsFold"],
  [
    "conflicting Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "ConflictingContentLength"
  ],
  ["negative chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "InvalidChunkSize"],
  [
    "huge chunk size",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
    "ChunkTooLarge"
  ],
  [
    "header section over the limit",
    `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`,
    "HeaderTooLarge"
  ]
]

describe("HTTP/1.1 connection faults", () => {
  for (const [name, bytes, reason] of malformed) {
    it.scoped(`${name} fails with ProtocolError ${reason} and closes the socket`, () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) =>
          Effect.zipRight(Effect.zipRight(conn.readRequest, conn.write(bytes)), conn.closed)
        )
        const error = yield* HttpClient.get(`${server.url}/`).pipe(
          Effect.flatMap((r) => r.text),
          Effect.flip
        )
        // A fault after the head is the body's: the response was already handed out.
        const phase = bytes.includes("Transfer-Encoding") ? "body" : "headers"
        expect(causeOf(error)).toMatchObject({ _tag: "ProtocolError", reason, phase })
        yield* server.awaitClosedConnections(1)
        expect((yield* stats).h1).toMatchObject({ closed: 1, errors: 1 })
      }).pipe(Effect.provide(client))
    )
  }

  it.scoped("a truncated chunked body fails with ClosedError in the body phase", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
          yield* conn.end
        })
      )
      const error = yield* HttpClient.get(`${server.url}/`).pipe(
        Effect.flatMap((r) => r.text),
        Effect.flip
      )
      expect(error._tag).toBe("ResponseError")
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "body" })
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "a head cut short by the server's FIN fails with ClosedError in phase headers, the response started",
    () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            yield* conn.readRequest
            yield* conn.write("HTTP/1.1 200 OK\r\nContent-Le")
            yield* conn.end
          })
        )
        const error = yield* Effect.flip(HttpClient.get(`${server.url}/`))
        expect(causeOf(error)).toMatchObject({
          _tag: "ClosedError",
          phase: "headers",
          responseStarted: true,
          reused: false
        })
      }).pipe(Effect.provide(client))
  )

  it.scoped("a body delimited by the close ends at the server's FIN, complete", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\n\r\nuntil the end")
          yield* conn.end
        })
      )
      expect(yield* HttpClient.get(`${server.url}/`).pipe(Effect.flatMap((r) => r.text))).toBe(
        "until the end"
      )
      expect((yield* stats).h1).toMatchObject({ closed: 1, errors: 0 })
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "a connection reset under a request fails it with the socket's error, and counts as an error",
    () =>
      Effect.gen(function* () {
        // The request is read in full and nothing is written back: the RST is all the client gets.
        const server = yield* RawServer.make((conn) => Effect.zipRight(conn.readRequest, conn.reset))
        const error = yield* Effect.flip(HttpClient.post(`${server.url}/`))
        expect(causeOf(error)).toMatchObject({
          _tag: "ClosedError",
          phase: "headers",
          responseStarted: false,
          cause: { code: "ECONNRESET" }
        })
        expect((yield* stats).h1).toMatchObject({ closed: 1, errors: 1 })
      }).pipe(Effect.provide(client))
  )

  it.scoped("a server closing an idle connection is no error", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write(RawServer.response(200, {}, "ok"))
          yield* conn.end
        })
      )
      expect(yield* HttpClient.get(`${server.url}/`).pipe(Effect.flatMap((r) => r.text))).toBe("ok")
      // The server's side closes once the client has closed its own.
      yield* server.awaitClosedConnections(1)
      expect((yield* stats).h1).toMatchObject({ open: 0, closed: 1, errors: 0 })
    }).pipe(Effect.provide(client))
  )

  it.scoped("bytes after a Connection: close response close the connection once, as no error", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          // One write: the stray response is parsed in the same read, after the connection closed itself.
          yield* conn.write(
            RawServer.response(200, { Connection: "close" }, "ok") + RawServer.response(200, {}, "stray")
          )
          yield* conn.closed
        })
      )
      expect(yield* HttpClient.get(`${server.url}/`).pipe(Effect.flatMap((r) => r.text))).toBe("ok")
      yield* server.awaitClosedConnections(1)
      expect((yield* stats).h1).toMatchObject({ open: 0, closed: 1, errors: 0 })
    }).pipe(Effect.provide(client))
  )

  it.scoped("a FIN mid-body fails the request also on a user socket that stays open after it", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
          yield* conn.end
          yield* conn.closed
        })
      )
      // Half-open: the socket outlives the server's FIN, so no 'close' follows; the FIN alone must end the exchange.
      const socket = yield* Effect.acquireRelease(
        Effect.async<net.Socket>((resume) => {
          const s = net.connect({ port: server.port, host: "127.0.0.1", allowHalfOpen: true }, () =>
            resume(Effect.succeed(s))
          )
        }),
        (s) => Effect.sync(() => s.destroy())
      )
      const read = HttpClient.get(`${server.url}/`).pipe(
        Effect.flatMap((r) => r.text),
        Effect.flip
      )
      const error = yield* Wait.within(read, {
        helper: "read",
        unit: "failure",
        target: 1,
        seen: () => 0
      }).pipe(
        Effect.provide(
          Requests.layer({ batteries: false, h1: { sockets: { [`127.0.0.1:${server.port}`]: socket } } })
        )
      )
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "body", responseStarted: true })
    })
  )

  it.scoped("a server that closes mid-body gives a typed error", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const error = yield* HttpClient.get(`${server.url}/hang-body/100000`).pipe(
        Effect.flatMap((r) => r.arrayBuffer),
        Effect.flip
      )
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "body" })
    }).pipe(Effect.provide(client))
  )

  it.scoped("a server that closes before answering gives ClosedError before any response byte", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) => Effect.zipRight(conn.readRequest, conn.destroy))
      const error = yield* Effect.flip(HttpClient.get(`${server.url}/`))
      expect(causeOf(error)).toMatchObject({
        _tag: "ClosedError",
        phase: "headers",
        responseStarted: false,
        reused: false
      })
    }).pipe(Effect.provide(client))
  )

  it.scoped("a reused connection closed before answering says it was reused", () =>
    Effect.gen(function* () {
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write(RawServer.response(200, {}, "ok"))
          yield* conn.readRequest
          yield* conn.destroy
        })
      )
      expect(yield* HttpClient.get(`${server.url}/`).pipe(Effect.flatMap((r) => r.text))).toBe("ok")
      // A POST, which the pool does not send again on a fresh connection.
      const error = yield* Effect.flip(HttpClient.post(`${server.url}/`))
      expect(causeOf(error)).toMatchObject({ _tag: "ClosedError", phase: "headers", reused: true })
    }).pipe(Effect.provide(client))
  )

  it.scoped.each([
    ["chunked", undefined],
    ["with a content-length", 256 * 64 * 1024]
  ] as const)(
    "a server that closes while a %s body uploads gives ClosedError in phase request",
    ([, contentLength]) =>
      Effect.gen(function* () {
        // Reads the head and a little of a 16 MiB body, then resets: most of the body is still to send.
        const server = yield* RawServer.make((conn) =>
          Effect.zipRight(conn.readBytes(64 * 1024), conn.destroy)
        )
        const error = yield* Effect.flip(
          HttpClient.execute(
            HttpClientRequest.post(`${server.url}/upload`).pipe(
              HttpClientRequest.bodyStream(
                Stream.range(1, 256).pipe(Stream.map(() => new Uint8Array(64 * 1024))),
                contentLength === undefined ? {} : { contentLength }
              )
            )
          )
        )
        expect(causeOf(error)).toMatchObject({
          _tag: "ClosedError",
          phase: "request",
          responseStarted: false
        })
      }).pipe(Effect.provide(client))
  )

  it.scoped("interrupting a request mid-body closes the socket", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const firstChunk = yield* Deferred.make<void>()
      const fiber = yield* HttpClient.get(`${server.url}/stream/${64 * 1024 * 1024}`).pipe(
        Effect.flatMap((r) =>
          Stream.runDrain(Stream.tap(r.stream, () => Deferred.succeed(firstChunk, undefined)))
        ),
        Effect.fork
      )
      yield* Deferred.await(firstChunk)
      yield* Fiber.interrupt(fiber)
      yield* server.awaitClosedConnections(1)
      expect(server.stats.openConnections).toBe(0)
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "interrupting a request while its body uploads closes the socket, and the next request gets a fresh one",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const sent = yield* Deferred.make<void>()
        // A body that sends one chunk, then never ends: the server waits for the rest.
        const body = Stream.concat(
          Stream.make(new Uint8Array(1024).fill(97)).pipe(
            Stream.tap(() => Deferred.succeed(sent, undefined))
          ),
          Stream.never
        )
        const upload = yield* Effect.fork(
          HttpClient.execute(
            HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyStream(body))
          )
        )
        yield* Deferred.await(sent)
        yield* server.awaitRequests(1)
        yield* Fiber.interrupt(upload)
        // Half a request was written: the connection cannot carry another, so it is closed.
        yield* server.awaitClosedConnections(1)
        expect(yield* Effect.flatMap(HttpClient.get(`${server.url}/bytes/3`), (r) => r.text)).toBe("abc")
        expect(server.stats.connectionsOpened).toBe(2)
      }).pipe(Effect.provide(client))
  )

  it.scoped("interrupting a request before its head arrives closes the socket", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const fiber = yield* Effect.fork(HttpClient.get(`${server.url}/delay-headers`))
      yield* server.awaitRequests(1)
      yield* Fiber.interrupt(fiber)
      yield* server.awaitClosedConnections(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("a response left unread in a closed scope does not go back to the pool", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      yield* Effect.scoped(HttpClient.get(`${server.url}/stream/${16 * 1024 * 1024}`))
      yield* server.awaitClosedConnections(1)
      const again = yield* HttpClient.get(`${server.url}/bytes/10`)
      expect(yield* again.text).toHaveLength(10)
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(client))
  )

  it.scoped("header injection is refused before a byte is sent", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const attempts = [
        HttpClientRequest.get(`${server.url}/`).pipe(
          HttpClientRequest.setHeader("x-a", "v\r\nx-injected: 1")
        ),
        HttpClientRequest.get(`${server.url}/`).pipe(HttpClientRequest.setHeader("x-a", "v\nx")),
        HttpClientRequest.get(`${server.url}/`).pipe(HttpClientRequest.setHeader("x-a", "v\u0000")),
        HttpClientRequest.get(`${server.url}/`).pipe(HttpClientRequest.setHeader("x-a\r\nx-b", "v")),
        HttpClientRequest.make("GET / HTTP/1.1\r\n" as "GET")(`${server.url}/`)
      ]
      for (const request of attempts) {
        const error = yield* Effect.flip(HttpClient.execute(request))
        expect(error).toMatchObject({ _tag: "RequestError", reason: "Encode" })
        expect(causeOf(error)?._tag).toBe("InvalidRequestError")
      }
      expect(server.stats.connectionsOpened).toBe(0)
    }).pipe(Effect.provide(client))
  )
})

describe("HTTP/1.1 stall detection", () => {
  /** Moves the TestClock on by `millis` in small steps, letting sockets and the pool's rounds run in between. */
  const advance = (millis: number) =>
    Effect.gen(function* () {
      for (let t = 0; t < millis; t += 100) {
        yield* TestClock.adjust(100)
        yield* eventLoopTurn
      }
    })

  it.scoped("a body that keeps coming, each piece within bodyTimeout of the last, is never timed out", () =>
    Effect.gen(function* () {
      const next = yield* Queue.unbounded<void>()
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\na")
          for (const piece of ["b", "c", "d"]) {
            yield* Queue.take(next)
            yield* conn.write(piece)
          }
          yield* conn.closed
        })
      )
      const response = yield* HttpClient.get(server.url)
      const pull = yield* Stream.toPull(Stream.decodeText(response.stream))
      const received = yield* Effect.gen(function* () {
        let text = Chunk.join(yield* pull, "")
        // Four and a half seconds in all, against a two-second deadline between pieces.
        for (let i = 0; i < 3; i++) {
          yield* advance(1500)
          yield* Queue.offer(next, undefined)
          text += Chunk.join(yield* pull, "")
        }
        return text
      }).pipe(
        Effect.mapError((error) => causeOf(Option.getOrUndefined(error))),
        Effect.either
      )
      expect(received).toStrictEqual(Either.right("abcd"))
    }).pipe(Effect.provide(Requests.layer({ batteries: false, h1: { bodyTimeout: "2 seconds" } })))
  )
})

describe("HTTP/1.1 large bodies", () => {
  const MiB = 1024 * 1024

  it.scoped(
    "streams a 100 MiB upload and a 100 MiB download in bounded memory, the download paused by a slow reader",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const { sample, peakGrowth } = memoryGrowth()
        // A fresh chunk per step: queued chunks cost memory, as a real producer's would.
        const upload = Stream.repeatEffect(Effect.sync(() => new Uint8Array(MiB).fill(97))).pipe(
          Stream.take(100),
          Stream.tap(() => sample)
        )
        const uploaded = yield* HttpClient.execute(
          HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyStream(upload))
        ).pipe(Effect.flatMap((r) => r.json))
        expect(uploaded).toMatchObject({ bytes: 100 * MiB })
        let received = 0
        let paused = false
        const slowReader = (chunk: Uint8Array) =>
          Effect.suspend(() => {
            received += chunk.byteLength
            if (paused || received < 10 * MiB) return sample
            // The reader stops for thousands of event-loop turns: a client that kept reading
            // the socket meanwhile would hold most of the body in memory.
            paused = true
            return Effect.zipRight(Effect.repeatN(eventLoopTurn, 3000), sample)
          })
        const downloaded = yield* HttpClient.get(`${server.url}/stream/${100 * MiB}`).pipe(
          Effect.flatMap((r) =>
            Stream.runFold(Stream.tap(r.stream, slowReader), 0, (n, c) => n + c.byteLength)
          )
        )
        expect(downloaded).toBe(100 * MiB)
        expect(peakGrowth()).toBeLessThan(64 * MiB)
      }).pipe(Effect.provide(client)),
    // Moves 200 MiB with a memory sample per MiB: several times the default timeout on a loaded machine.
    120_000
  )
})

describe("HTTP/1.1 connection reuse told by the response", () => {
  /**
   * Answers the n-th request of each connection with `headers(n)`, never closing first, and
   * records requests per connection.
   */
  const answering = (headers: (n: number) => Record<string, string>) =>
    Effect.gen(function* () {
      const perConnection: Array<number> = []
      const server = yield* RawServer.make((conn, index) =>
        Effect.gen(function* () {
          for (let n = 0; ; n++) {
            yield* conn.readRequest
            perConnection[index] = n + 1
            yield* conn.write(RawServer.response(200, headers(n), "ok"))
          }
        })
      )
      return { server, perConnection }
    })

  const getText = (url: string) => HttpClient.get(url).pipe(Effect.flatMap((response) => response.text))

  it.scoped("Connection: close ends reuse even while the server keeps the socket open", () =>
    Effect.gen(function* () {
      const { server, perConnection } = yield* answering(() => ({ Connection: "close" }))
      for (let i = 0; i < 3; i++) expect(yield* getText(server.url)).toBe("ok")
      expect(perConnection).toEqual([1, 1, 1])
    }).pipe(Effect.provide(client))
  )

  // As Apache counts it: each response says how many more requests the connection will take.
  it.scoped("Keep-Alive: max counting down to 1 retires the connection after that response", () =>
    Effect.gen(function* () {
      const { server, perConnection } = yield* answering((n) => ({
        "Keep-Alive": `timeout=60, max=${2 - n}`
      }))
      for (let i = 0; i < 5; i++) expect(yield* getText(server.url)).toBe("ok")
      expect(perConnection).toEqual([2, 2, 1])
    }).pipe(Effect.provide(client))
  )

  it.scoped("a Keep-Alive without max leaves the count an earlier response gave", () =>
    Effect.gen(function* () {
      const { server, perConnection } = yield* answering((n) => ({
        "Keep-Alive": n === 0 ? "timeout=60, max=2" : "timeout=60"
      }))
      for (let i = 0; i < 5; i++) expect(yield* getText(server.url)).toBe("ok")
      expect(perConnection).toEqual([2, 2, 1])
    }).pipe(Effect.provide(client))
  )

  it.scoped("a Keep-Alive without timeout leaves the timeout an earlier response gave", () =>
    Effect.gen(function* () {
      const { server, perConnection } = yield* answering((n) => ({
        "Keep-Alive": n === 0 ? "timeout=1" : "max=100"
      }))
      expect(yield* getText(server.url)).toBe("ok")
      expect(yield* getText(server.url)).toBe("ok")
      // Past the reuse window of a one-second timeout, well within the client's own idleTimeout.
      yield* TestClock.adjust("600 millis")
      expect(yield* getText(server.url)).toBe("ok")
      expect(perConnection).toEqual([2, 1])
    }).pipe(Effect.provide(client))
  )
})
