/**
 * The keep-alive of a connection the server sent GOAWAY(NO_ERROR) on while
 * an upload is still in flight. Either engine then closes the session itself
 * and sends no PING on it: each `ping()` comes back at once, unsent. The
 * keep-alive must then wait a round, not ask again at once; asking again at
 * once spins without end and starves the event loop.
 */
import * as http2 from "node:http2"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Wait } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, TestClock } from "effect"
import { OwnSession } from "../../src/internal/h2/engine/own-session.js"
import { h2Server, withClient } from "./support.js"

interface Pinging {
  ping: (...args: Array<unknown>) => unknown
}

/** The prototype of node's client sessions, from a session opened and closed at once. */
const nodeSessions = (): Pinging => {
  const probe = http2.connect("http://127.0.0.1:1")
  probe.on("error", () => {})
  const prototype = Object.getPrototypeOf(probe) as Pinging
  probe.destroy()
  return prototype
}

const sessionsOf = { node: nodeSessions, own: (): Pinging => OwnSession.prototype as unknown as Pinging }

/** Counts PINGs asked of every client session of `engine` in this process while `effect` runs. */
const countingPings = <A, E, R>(
  engine: "own" | "node",
  effect: (count: () => number) => Effect.Effect<A, E, R>
) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const prototype = sessionsOf[engine]()
      const original = prototype.ping
      const counter = { calls: 0 }
      prototype.ping = function (this: unknown, ...args: Array<unknown>) {
        // A spinning keep-alive starves the event loop, so the test could never fail by itself: stop it here.
        if (++counter.calls > 1000)
          throw new Error("PING asked for more than 1,000 times: the keep-alive spins")
        return original.apply(this, args)
      }
      return { prototype, original, counter }
    }),
    ({ counter }) => effect(() => counter.calls),
    ({ original, prototype }) => Effect.sync(() => void (prototype.ping = original))
  )

describe("HTTP/2 keep-alive on a closing session", () => {
  it.scoped.each(["own", "node"] as const)(
    "%s engine: waits a round between PINGs the session will not send, instead of spinning",
    (engine) =>
      Effect.gen(function* () {
        const upload = yield* Deferred.make<http2.ServerHttp2Stream>()
        const server = yield* h2Server((stream) => {
          // Hold the upload: read nothing, answer nothing, until the test says.
          stream.pause()
          Deferred.unsafeDone(upload, Effect.succeed(stream))
        })
        yield* withClient(
          { protocol: "h2c", h2: { engine, pingInterval: "100 millis", pingTimeout: "10 seconds" } },
          countingPings(engine, (pings) =>
            Effect.gen(function* () {
              const post = yield* Effect.fork(
                Effect.flatMap(
                  HttpClient.execute(
                    HttpClientRequest.post(`${server.url}/upload`).pipe(
                      HttpClientRequest.bodyUint8Array(new Uint8Array(1024 * 1024))
                    )
                  ),
                  (response) => response.text
                )
              )
              const stream = yield* Wait.within(Deferred.await(upload), {
                helper: "upload",
                unit: "stream",
                target: 1,
                seen: () => 0
              })
              const goaway = Effect.async<void>((resume) => {
                stream.session?.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id ?? 0, undefined)
                // The client closes its session as it reads the frame; one turn of the loop lets it.
                setImmediate(() => resume(Effect.void))
              })
              yield* goaway
              const before = pings()
              yield* TestClock.adjust("1 second")
              // About one PING a round (100 ms) is the most a second may ask for.
              expect(pings() - before).toBeLessThanOrEqual(12)
              stream.respond({ ":status": 200 })
              stream.end("done")
              stream.resume()
              expect(yield* Fiber.join(post)).toBe("done")
            })
          )
        )
      })
  )
})
