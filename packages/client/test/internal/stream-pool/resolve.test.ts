import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as TestClock from "effect/TestClock"
import type { StreamPoolError } from "../../../src/StreamPool.js"
import { awaitTimer } from "../../helpers.js"
import { client, readBytes, server } from "./support.js"

class NoBackend extends Error {}

describe("StreamPool resolve", () => {
  it.scoped(
    "a failing resolve is reported typed, retried with backoff on the clock, and the pool recovers when it answers",
    () =>
      Effect.gen(function* () {
        const s = yield* server()
        const errors = yield* Queue.unbounded<StreamPoolError>()
        let calls = 0
        let healthy = false
        const resolve = Effect.suspend(() => {
          calls++
          return healthy
            ? Effect.succeed(`127.0.0.1:${s.address.port}`)
            : Effect.fail(new NoBackend("no healthy backend"))
        })
        const c = yield* client(0, {
          resolve,
          onError: (error) => Queue.unsafeOffer(errors, error),
          minInterval: "100 millis",
          maxInterval: "1 second"
        })
        const first = yield* Queue.take(errors)
        expect(first).toMatchObject({ _tag: "StreamPoolError", reason: "Resolve", address: "unresolved" })
        expect(first.cause).toBeInstanceOf(NoBackend)
        expect(first.detail).toContain("no healthy backend")
        expect(calls).toBe(1)
        // Doubling from minInterval, capped at maxInterval; nothing is tried before each delay is up.
        const delays = [100, 200, 400, 800, 1_000, 1_000]
        for (const delay of delays) {
          const before = calls
          yield* awaitTimer(delay)
          yield* TestClock.adjust(delay - 1)
          expect(calls).toBe(before)
          yield* TestClock.adjust(1)
          expect((yield* Queue.take(errors)).reason).toBe("Resolve")
          expect(calls).toBe(before + 1)
        }
        expect(yield* c.stats).toMatchObject({ ready: false, active: 0, errors: delays.length + 1 })
        yield* c.resetErrors
        expect((yield* c.stats).errors).toBe(0)

        healthy = true
        yield* awaitTimer(1_000)
        yield* TestClock.adjust(1_000)
        // Connected on real sockets: the first round fills the pool, and a stream carries bytes.
        const incoming = yield* s.incoming("5 seconds")
        const outgoing = yield* c.get(incoming.id, "5 seconds")
        outgoing.duplex.write("back")
        expect((yield* readBytes(incoming.duplex, 4)).toString()).toBe("back")
        expect(yield* c.stats).toMatchObject({ ready: true, errors: 0 })
        expect(calls).toBe(delays.length + 2)
      })
  )
})
