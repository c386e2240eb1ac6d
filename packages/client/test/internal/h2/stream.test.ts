import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer } from "@effect-requests/testing"
import { Deferred, Effect, Either, Fiber, Stream } from "effect"
import { memoryGrowth } from "../../helpers.js"
import { fetchText, poolLayer, send } from "./support.js"

const MiB = 1024 * 1024

describe("H2ConnectionPool streams", () => {
  it.scoped(
    "a 100 MiB download and a 100 MiB upload stream in bounded memory while 50 small requests share the connection",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make()
        const { sample, peakGrowth } = memoryGrowth()
        const smallDone = yield* Deferred.make<void>()
        const uploadPaused = yield* Deferred.make<void>()
        const downloadPaused = yield* Deferred.make<void>()

        // Both big transfers stop halfway through their first tenth until the small requests are done:
        // a stalled stream must hold neither the connection nor memory.
        // A fresh chunk per step: queued chunks cost memory, as a real producer's would.
        const body = Stream.repeatEffect(Effect.sync(() => new Uint8Array(MiB).fill(97))).pipe(
          Stream.take(100),
          Stream.zipWithIndex,
          Stream.mapEffect(([c, i]: readonly [Uint8Array, number]) =>
            Effect.as(
              i === 10
                ? Effect.zipRight(Deferred.succeed(uploadPaused, undefined), Deferred.await(smallDone))
                : sample,
              c
            )
          )
        )
        const uploading = yield* Effect.fork(
          Effect.flatMap(
            send(`${server.url}/upload`, {
              method: "POST",
              body: {
                _tag: "Stream",
                stream: body,
                length: 100 * MiB,
                contentType: "application/octet-stream"
              }
            }),
            (r) => r.body.readAll
          )
        )
        const downloading = yield* Effect.fork(
          Effect.gen(function* () {
            const response = yield* send(`${server.url}/stream/${100 * MiB}`)
            let received = 0
            let paused = false
            for (;;) {
              const next = yield* Effect.either(response.body.pull)
              if (Either.isLeft(next)) {
                if (next.left._tag === "None") return received
                return yield* Effect.fail(next.left.value)
              }
              const before = received
              for (const c of next.right) received += c.byteLength
              if (Math.floor(received / MiB) > Math.floor(before / MiB)) yield* sample
              if (!paused && received >= 10 * MiB) {
                paused = true
                yield* Deferred.succeed(downloadPaused, undefined)
                yield* Deferred.await(smallDone)
              }
            }
          })
        )
        yield* Deferred.await(uploadPaused)
        yield* Deferred.await(downloadPaused)
        const small = yield* Effect.all(
          Array.from({ length: 50 }, () => fetchText(`${server.url}/bytes/1024`)),
          { concurrency: "unbounded" }
        )
        expect(small.every((r) => r.status === 200 && r.text.length === 1024)).toBe(true)
        expect(server.stats.sessionsOpened).toBe(1)
        yield* Deferred.succeed(smallDone, undefined)
        const uploaded = JSON.parse(new TextDecoder().decode(yield* Fiber.join(uploading))) as {
          bytes: number
        }
        expect(uploaded.bytes).toBe(100 * MiB)
        expect(yield* Fiber.join(downloading)).toBe(100 * MiB)
        expect(server.stats.sessionsOpened).toBe(1)
        expect(peakGrowth()).toBeLessThan(64 * MiB)
      }).pipe(Effect.provide(poolLayer())),
    // Moves 200 MiB.
    60_000
  )

  it.scoped("a stream body whose length differs from the declared one is refused and the stream reset", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const error = yield* Effect.flip(
        send(`${server.url}/upload`, {
          method: "POST",
          body: { _tag: "Stream", stream: Stream.make(new Uint8Array(10)), length: 5, contentType: undefined }
        })
      )
      expect(error).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidBody" })
      yield* server.awaitStreamsClosed(1)
      expect(server.streams[0]!.rstCode).toBe(8)
    }).pipe(Effect.provide(poolLayer()))
  )

  it.scoped("a failing body stream gives RequestBodyError and resets the stream", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const error = yield* Effect.flip(
        send(`${server.url}/upload`, {
          method: "POST",
          body: {
            _tag: "Stream",
            stream: Stream.concat(Stream.make(new Uint8Array(3)), Stream.fail("boom")),
            length: undefined,
            contentType: undefined
          }
        })
      )
      expect(error).toMatchObject({ _tag: "RequestBodyError", cause: "boom" })
      yield* server.awaitStreamsClosed(1)
      expect(server.streams[0]!.rstCode).toBe(8)
    }).pipe(Effect.provide(poolLayer()))
  )
})
