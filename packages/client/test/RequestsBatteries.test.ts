import * as zlib from "node:zlib"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { describe, expect, it } from "@effect/vitest"
import { type Events, Requests } from "@effect-requests/client"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as Auth from "../src/Auth.js"
import * as Cookies from "../src/Cookies.js"
import * as Decompression from "../src/Decompression.js"
import * as DefaultHeaders from "../src/DefaultHeaders.js"
import * as Redirects from "../src/Redirects.js"
import * as Retries from "../src/Retries.js"
import { RedirectLoopError } from "../src/Redirects.js"
import { awaitTimer } from "./helpers.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"
import type { Answer, Seen } from "./internal/batteries/recording-server.js"

const document = { greeting: "hello", items: Array.from({ length: 50 }, (_, i) => i) }

/**
 * `/json` answers gzipped when asked to, `/hop` redirects to it, `/flaky`
 * fails once with 503 and `Retry-After: 1`, `/loop` redirects to itself,
 * `/login` sets a cookie that `/me` echoes, `/secret` wants Basic.
 */
const site = () => {
  let flaky = 0
  return RecordingServer.make((seen: Seen): Answer => {
    switch (seen.url) {
      case "/json": {
        const body = JSON.stringify(document)
        return String(seen.headers["accept-encoding"]).includes("gzip")
          ? { status: 200, headers: { "content-encoding": "gzip" }, body: zlib.gzipSync(body) }
          : { status: 200, body }
      }
      case "/hop":
        return { status: 302, headers: { location: "/json" } }
      case "/loop":
        return { status: 302, headers: { location: "/loop" } }
      case "/flaky":
        return flaky++ === 0 ? { status: 503, headers: { "retry-after": "1" } } : { status: 200, body: "ok" }
      case "/login":
        return { status: 204, headers: { "set-cookie": ["sid=abc; Path=/", "theme=dark; Path=/"] } }
      case "/me":
        return { status: 200, body: String(seen.headers.cookie) }
      default:
        return { status: 404 }
    }
  })
}

const withLayer = <A, E>(
  options: Requests.Options,
  effect: (
    events: Array<Events.RequestsEvent>
  ) => Effect.Effect<A, E, HttpClient.HttpClient | Requests.Requests>
) => {
  const events: Array<Events.RequestsEvent> = []
  return Effect.provide(
    effect(events),
    Layer.fresh(Requests.layer({ ...options, events: (event) => events.push(event) }))
  )
}

const stats = Effect.flatMap(Requests.Requests, (requests) => requests.stats)
const batteryTags = (events: ReadonlyArray<Events.RequestsEvent>) =>
  events
    .map((event) => event._tag)
    .filter((tag) => ["Redirected", "RetryScheduled", "Decompressed", "Authenticated"].includes(tag))

/** Runs `get` with the TestClock moved past the 1-second `Retry-After` of `/flaky`. */
const pastRetryAfter = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    yield* awaitTimer("1 second")
    yield* TestClock.adjust("1 second")
    return yield* Fiber.join(fiber)
  })

describe("Requests.layer batteries", () => {
  it.scoped(
    "on by default: default headers, redirects, retries and decompression, with events and stats",
    () =>
      Effect.gen(function* () {
        const server = yield* site()
        yield* withLayer({}, (events) =>
          Effect.gen(function* () {
            const json = yield* Effect.flatMap(HttpClient.get(`${server.url}/hop`), (r) => r.json)
            expect(json).toEqual(document)
            const flaky = yield* pastRetryAfter(
              Effect.flatMap(HttpClient.get(`${server.url}/flaky`), (r) => r.text)
            )
            expect(flaky).toBe("ok")
            expect(server.seen[0]!.headers["user-agent"]).toBe(DefaultHeaders.userAgent)
            expect(server.seen[0]!.headers.accept).toBe("*/*")
            expect(server.seen[0]!.headers["accept-encoding"]).toBe(Decompression.acceptEncoding)
            expect(batteryTags(events)).toEqual(["Redirected", "Decompressed", "RetryScheduled"])
            const retry = events.find((event) => event._tag === "RetryScheduled")
            expect(retry).toMatchObject({
              endpoint: server.url,
              reason: { _tag: "Status", status: 503 },
              waitMillis: 1000,
              retryAfter: true
            })
            const figures = yield* stats
            expect(figures.batteries).toMatchObject({
              redirects: 1,
              retries: 1,
              decompressed: 1,
              retriesDenied: 0
            })
            expect(figures.batteries.bytesDecompressed).toBe(JSON.stringify(document).length)
            expect(figures.batteries.bytesCompressed).toBeGreaterThan(0)
            // The battery's retry is not the transport's replay.
            expect(figures.retries).toBe(0)
            expect(figures.requestsMade).toBe(4)
          })
        )
      })
  )

  it.scoped("each battery off with `false`", () =>
    Effect.gen(function* () {
      const server = yield* site()
      yield* withLayer({ decompress: false, redirects: false, retry: false, userAgent: false }, (events) =>
        Effect.gen(function* () {
          const hop = yield* HttpClient.get(`${server.url}/hop`)
          expect(hop.status).toBe(302)
          const flaky = yield* HttpClient.get(`${server.url}/flaky`)
          expect(flaky.status).toBe(503)
          const json = yield* Effect.flatMap(HttpClient.get(`${server.url}/json`), (r) => r.json)
          expect(json).toEqual(document)
          expect(server.seen.map((seen) => seen.headers["accept-encoding"])).toEqual([
            undefined,
            undefined,
            undefined
          ])
          expect(server.seen[0]!.headers["user-agent"]).toBeUndefined()
          expect(server.seen[0]!.headers.accept).toBe("*/*")
          expect(batteryTags(events)).toEqual([])
          expect((yield* stats).batteries).toMatchObject({ redirects: 0, retries: 0, decompressed: 0 })
        })
      )
    })
  )

  it.scoped("`batteries: false` is the bare client", () =>
    Effect.gen(function* () {
      const server = yield* site()
      yield* withLayer({ batteries: false, headers: { "x-team": "core" } }, () =>
        Effect.gen(function* () {
          expect((yield* HttpClient.get(`${server.url}/hop`)).status).toBe(302)
          const seen = server.seen[0]!.headers
          expect([seen["user-agent"], seen.accept, seen["accept-encoding"], seen["x-team"]]).toEqual([
            undefined,
            undefined,
            undefined,
            undefined
          ])
        })
      )
    })
  )

  it.scoped("per request: each module's override beats the layer's option", () =>
    Effect.gen(function* () {
      const server = yield* site()
      yield* withLayer({}, () =>
        Effect.gen(function* () {
          expect((yield* Redirects.disabled(HttpClient.get(`${server.url}/hop`))).status).toBe(302)
          expect((yield* Retries.disabled(HttpClient.get(`${server.url}/flaky`))).status).toBe(503)
          const raw = yield* Decompression.disabled(HttpClient.get(`${server.url}/json`))
          expect(raw.headers["content-encoding"]).toBeUndefined()
          expect(server.seen[2]!.headers["accept-encoding"]).toBeUndefined()
          expect((yield* Retries.withRetries(HttpClient.get(`${server.url}/flaky`), 0)).status).toBe(200)
          expect((yield* Redirects.withMax(HttpClient.get(`${server.url}/loop`), 0)).status).toBe(302)
        })
      )
    })
  )

  it.scoped("a battery's failure is a RequestError whose cause is the typed error", () =>
    Effect.gen(function* () {
      const server = yield* site()
      yield* withLayer({}, () =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(HttpClient.get(`${server.url}/loop`))
          expect(error).toBeInstanceOf(HttpClientError.RequestError)
          expect(error.cause).toBeInstanceOf(RedirectLoopError)
        })
      )
    })
  )

  it.scoped("cookies, credentials, headers and baseUrl as layer options", () =>
    Effect.gen(function* () {
      const server = yield* site()
      const jar = new Cookies.CookieJar()
      yield* withLayer(
        {
          cookies: jar,
          baseUrl: server.url,
          headers: { "x-team": "core" },
          credentials: { [server.url]: { username: "ada", password: "engine" } }
        },
        () =>
          Effect.gen(function* () {
            const login = yield* HttpClient.get("/login")
            // Every Set-Cookie value stays apart from the joined header.
            expect(login.headers["set-cookie"]).toBe("sid=abc; Path=/, theme=dark; Path=/")
            expect(Cookies.SetCookieHeaders in login && login[Cookies.SetCookieHeaders]).toEqual([
              "sid=abc; Path=/",
              "theme=dark; Path=/"
            ])
            expect(yield* Effect.flatMap(HttpClient.get("/me"), (r) => r.text)).toBe("sid=abc; theme=dark")
            expect(server.seen[1]!.headers["x-team"]).toBe("core")
            // Over http, Basic is never sent up front.
            expect(server.seen[1]!.headers.authorization).toBeUndefined()
            const none = yield* Cookies.disabled(Effect.flatMap(HttpClient.get("/me"), (r) => r.text))
            expect(none).toBe("undefined")
            expect(yield* Auth.disabled(HttpClient.get("/me"))).toMatchObject({ status: 200 })
          })
      )
      expect((yield* Cookies.serialize(jar)).cookies.map((cookie) => cookie.key)).toEqual(["sid", "theme"])
    })
  )
})
