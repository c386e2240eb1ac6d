/**
 * Bodies too large to buffer: a typed `LimitExceededError`, the process
 * alive, memory bounded, and the pool usable afterwards. The bytes are
 * produced lazily under backpressure; nothing ever holds 2 GiB.
 */
import type * as http2 from "node:http2"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Effect, Stream } from "effect"
import type { LimitExceededError } from "../../src/Errors.js"
import * as Limits from "../../src/Limits.js"
import { memoryGrowth } from "../helpers.js"
import { causeOf, h2Server, withClient } from "./support.js"

const MiB = 1024 * 1024
const TWO_GIB = 2 * 1024 * MiB
const block = Buffer.alloc(MiB, 120)

/** Writes up to `total` bytes of `block`, stopping as soon as the peer goes away. */
const lazyBody = (conn: RawServer.RawConnection, total: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let sent = 0; sent < total && !conn.socket.destroyed; sent += MiB) yield* conn.write(block)
  })

/** An HTTP/1.1 server: `/big` answers 2 GiB and more, declared or close-delimited; anything else "ok". */
const h1Server = RawServer.make((conn) =>
  Effect.gen(function* () {
    for (;;) {
      const request = yield* conn.readRequest
      if (request.path === "/declared") {
        yield* conn.write(`HTTP/1.1 200 OK\r\ncontent-length: ${TWO_GIB + 7}\r\n\r\n`)
        return yield* lazyBody(conn, TWO_GIB + 7)
      }
      if (request.path === "/undeclared") {
        yield* conn.write("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
        return yield* lazyBody(conn, TWO_GIB + MiB)
      }
      yield* conn.write(RawServer.response(200, {}, "ok"))
    }
  })
)

const tooLarge = (read: Effect.Effect<unknown, unknown, HttpClient.HttpClient>) =>
  Effect.map(Effect.flip(read), (error) => causeOf(error) as LimitExceededError)

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)
const bytes = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.arrayBuffer)

describe("maxBodySize", () => {
  it.scoped(
    "HTTP/1.1: a declared 2 GiB body fails before it is read, and the pool goes on",
    () =>
      Effect.gen(function* () {
        const server = yield* h1Server
        yield* withClient(
          {},
          Effect.gen(function* () {
            const error = yield* tooLarge(text(`${server.url}/declared`))
            expect(error._tag).toBe("LimitExceededError")
            expect(error).toMatchObject({ limit: "maxBodySize", value: 64 * MiB, phase: "body" })
            expect(error.endpoint).toBe(server.url)
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
      }),
    // A big-body test: the default bound is for tests that move little.
    60_000
  )

  it.scoped(
    "HTTP/1.1: an undeclared body of 2 GiB fails once past the limit, with memory bounded",
    () =>
      Effect.gen(function* () {
        const server = yield* h1Server
        const memory = memoryGrowth()
        yield* withClient(
          { maxBodySize: 32 * MiB },
          Effect.gen(function* () {
            const error = yield* tooLarge(bytes(`${server.url}/undeclared`))
            memory.sample.pipe(Effect.runSync)
            expect(error).toMatchObject({ _tag: "LimitExceededError", limit: "maxBodySize", value: 32 * MiB })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
          })
        )
        // What a 2 GiB body would have cost is far above this.
        expect(memory.peakGrowth()).toBeLessThan(256 * MiB)
      }),
    // Reads 64 MiB before the limit.
    60_000
  )

  it.scoped("a per-request limit overrides the layer's, and a body within it is read whole", () =>
    Effect.gen(function* () {
      const server = yield* h1Server
      yield* withClient(
        {},
        Effect.gen(function* () {
          const error = yield* tooLarge(Limits.withMaxBodySize(text(`${server.url}/next`), 1))
          expect(error).toMatchObject({ limit: "maxBodySize", value: 1 })
          expect(yield* Limits.withMaxBodySize(text(`${server.url}/next`), 2)).toBe("ok")
        })
      )
    })
  )

  it.scoped("streaming is not limited", () =>
    Effect.gen(function* () {
      const server = yield* h1Server
      yield* withClient(
        { maxBodySize: 1 },
        Effect.gen(function* () {
          const response = yield* HttpClient.get(`${server.url}/next`)
          const chunks = yield* Stream.runCollect(response.stream)
          expect(Buffer.concat([...chunks]).toString()).toBe("ok")
        })
      )
    })
  )

  const h2Big = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const declared = headers[":path"] === "/declared"
    if (headers[":path"] === "/next") {
      stream.respond({ ":status": 200 })
      return stream.end("ok")
    }
    stream.respond(declared ? { ":status": 200, "content-length": String(TWO_GIB + 7) } : { ":status": 200 })
    let sent = 0
    const pump = () => {
      while (sent < TWO_GIB && !stream.destroyed && !stream.closed) {
        sent += MiB
        if (!stream.write(block)) return void stream.once("drain", pump)
      }
    }
    pump()
  }

  it.scoped(
    "HTTP/2: declared and undeclared 2 GiB bodies fail with the stream cancelled, the connection kept",
    () =>
      Effect.gen(function* () {
        const server = yield* h2Server(h2Big)
        const memory = memoryGrowth()
        yield* withClient(
          { protocol: "h2c", maxBodySize: 16 * MiB },
          Effect.gen(function* () {
            const declared = yield* tooLarge(text(`${server.url}/declared`))
            expect(declared).toMatchObject({ _tag: "LimitExceededError", protocol: "h2", value: 16 * MiB })
            const undeclared = yield* tooLarge(bytes(`${server.url}/undeclared`))
            memory.sample.pipe(Effect.runSync)
            expect(undeclared).toMatchObject({ _tag: "LimitExceededError", protocol: "h2", value: 16 * MiB })
            expect(yield* text(`${server.url}/next`)).toBe("ok")
            expect(server.sockets).toHaveLength(1)
          })
        )
        expect(memory.peakGrowth()).toBeLessThan(256 * MiB)
      }),
    // Reads 64 MiB before the limit.
    60_000
  )
})
