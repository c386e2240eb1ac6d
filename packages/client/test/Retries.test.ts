import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, LeakCheck } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Retries from "../src/Retries.js"
import type { BatteryEvent, RetryScheduled } from "../src/Retries.js"
import { awaitTimer } from "./helpers.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"

/** A client with retries whose events land in a queue, and a way to run requests through the waits. */
const retrying = (options: Retries.Options = {}) =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<BatteryEvent>()
    const client = (yield* HttpClient.HttpClient).pipe(
      Retries.retries({ ...options, events: (event) => Queue.unsafeOffer(events, event) })
    )
    /** Runs `effect`, letting the TestClock through each of `retries` waits, and returns the waits. */
    const drive = <A, E>(effect: Effect.Effect<A, E>, retries: number) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(effect)
        const scheduled: Array<RetryScheduled> = []
        while (scheduled.length < retries) {
          const event = yield* Queue.take(events)
          if (event._tag !== "RetryScheduled") continue
          scheduled.push(event)
          if (event.waitMillis > 0) {
            yield* awaitTimer(event.waitMillis)
            yield* TestClock.adjust(event.waitMillis)
          }
        }
        return { result: yield* Fiber.join(fiber), scheduled }
      })
    return { client, events, drive }
  })

/** Answers the statuses in turn, then 200. */
const statuses = (list: ReadonlyArray<number>, headers: Record<string, string> = {}) =>
  RecordingServer.make((_seen, index) =>
    index < list.length ? { status: list[index]!, headers, body: "failed" } : { status: 200, body: "ok" }
  )

const text = (response: HttpClientResponse.HttpClientResponse) => response.text

describe("Retries", () => {
  it.scoped("retries retryable statuses with jittered exponential backoff", () =>
    Effect.gen(function* () {
      const server = yield* statuses([503, 500])
      const { client, drive } = yield* retrying()
      const { result, scheduled } = yield* drive(Effect.flatMap(client.get(server.url), text), 2)
      expect(result).toBe("ok")
      expect(server.seen).toHaveLength(3)
      expect(scheduled.map((event) => [event.attempt, event.reason, event.retryAfter])).toEqual([
        [1, { _tag: "Status", status: 503 }, false],
        [2, { _tag: "Status", status: 500 }, false]
      ])
      expect(scheduled[0]!.waitMillis).toBeGreaterThanOrEqual(0)
      expect(scheduled[0]!.waitMillis).toBeLessThan(100)
      expect(scheduled[1]!.waitMillis).toBeLessThan(200)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("gives the last response back when retries run out, and leaves other statuses alone", () =>
    Effect.gen(function* () {
      const server = yield* statuses([502, 502, 502, 502])
      const { client, drive } = yield* retrying()
      const { result } = yield* drive(client.get(server.url), 2)
      expect(result.status).toBe(502)
      expect(server.seen).toHaveLength(3)
      const notFound = yield* statuses([404])
      expect((yield* client.get(notFound.url)).status).toBe(404)
      expect(notFound.seen).toHaveLength(1)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("only requests safe to repeat are retried", () =>
    Effect.gen(function* () {
      const server = yield* statuses([503, 503])
      const { client, drive } = yield* retrying()
      const post = HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyText("x"))
      expect((yield* client.execute(post)).status).toBe(503)
      expect(server.seen).toHaveLength(1)
      const keyed = HttpClientRequest.setHeader(post, "idempotency-key", "k1")
      const { result } = yield* drive(client.execute(keyed), 1)
      expect(result.status).toBe(200)
      expect(server.seen.map((seen) => seen.body)).toEqual(["x", "x", "x"])
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("transport failures before a response are retried", () =>
    Effect.gen(function* () {
      let requests = 0
      const server = yield* HttpTestServer.make({
        handler: (req, res) => {
          if (++requests === 1) return void req.socket.destroy()
          res.end("ok")
        }
      })
      const { client, drive } = yield* retrying()
      const { result, scheduled } = yield* drive(Effect.flatMap(client.get(server.url), text), 1)
      expect(result).toBe("ok")
      expect(scheduled[0]!.reason._tag).toBe("Transport")
      const refused = yield* drive(Effect.flip(client.get("http://127.0.0.1:1/")), 2)
      expect(refused.result).toMatchObject({ _tag: "RequestError", reason: "Transport" })
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("Retry-After in seconds or as a date is honoured, up to maxRetryAfter", () =>
    Effect.gen(function* () {
      const seconds = yield* statuses([429], { "retry-after": "3" })
      const { client, drive } = yield* retrying({ maxRetryAfter: "10 seconds" })
      const first = yield* drive(client.get(seconds.url), 1)
      expect(first.result.status).toBe(200)
      expect(first.scheduled[0]).toMatchObject({ waitMillis: 3000, retryAfter: true })
      const now = yield* TestClock.currentTimeMillis
      const date = yield* statuses([503], { "retry-after": new Date(now + 5000).toUTCString() })
      const second = yield* drive(client.get(date.url), 1)
      expect(second.scheduled[0]).toMatchObject({ waitMillis: 5000, retryAfter: true })
      const tooLong = yield* statuses([503], { "retry-after": "11" })
      expect((yield* client.get(tooLong.url)).status).toBe(503)
      expect(tooLong.seen).toHaveLength(1)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("the retry budget keeps a failing origin from seeing much more than the callers send", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make(() => ({ status: 503 }))
      const { client, events, drive } = yield* retrying({ retries: 3, budget: { ratio: 0.2, burst: 2 } })
      // The burst pays for two retries of the first request, then the bucket is empty.
      yield* drive(client.get(server.url), 2)
      const exhausted = yield* Queue.take(events)
      expect(exhausted).toMatchObject({
        _tag: "RetryBudgetExhausted",
        reason: { _tag: "Status", status: 503 }
      })
      expect(server.seen).toHaveLength(3)
      // Four more requests earn 0.8 of a token: no retry; the fifth earns the first.
      for (let i = 0; i < 4; i++) yield* client.get(server.url)
      expect(server.seen).toHaveLength(7)
      yield* drive(client.get(server.url), 1)
      expect(server.seen).toHaveLength(9)
      const calls = 6
      expect(server.seen.length).toBeLessThanOrEqual(calls * 1.2 + 2 + 1)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("off for a request, for a client, or more for a request", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make(() => ({ status: 503 }))
      const { client, drive } = yield* retrying()
      expect((yield* Retries.disabled(client.get(server.url))).status).toBe(503)
      expect(server.seen).toHaveLength(1)
      yield* drive(Retries.withRetries(client.get(server.url), 4), 4)
      expect(server.seen).toHaveLength(6)
      const plain = yield* HttpClient.HttpClient
      expect(Retries.retries(false)(plain)).toBe(plain)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("interrupted while waiting to retry, nothing more is sent and nothing is left open", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make(() => ({ status: 503, body: "x".repeat(1000) }))
      const baseline = yield* LeakCheck.snapshot
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Requests.layer({ batteries: false }), scope)
      const { client, events } = yield* Effect.provide(retrying({ baseDelay: "1 second" }), context)
      const fiber = yield* Effect.fork(client.get(server.url))
      const scheduled = yield* Queue.take(events)
      expect(scheduled._tag).toBe("RetryScheduled")
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 minute")
      expect(server.seen).toHaveLength(1)
      yield* Scope.close(scope, Exit.void)
      yield* LeakCheck.assertNoLeaks(baseline)
    })
  )
})
