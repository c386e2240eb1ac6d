import { createHash } from "node:crypto"
import * as zlib from "node:zlib"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { LeakCheck } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Batteries from "../src/Batteries.js"
import type { BatteryEvent } from "../src/Batteries.js"
import * as DefaultHeaders from "../src/DefaultHeaders.js"
import * as Decompression from "../src/Decompression.js"
import { parseChallenges } from "../src/internal/batteries/www-authenticate.js"
import { awaitTimer } from "./helpers.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"
import type { Answer, Seen } from "./internal/batteries/recording-server.js"

const user = { username: "ada", password: "engine" }
const md5 = (data: string) => createHash("md5").update(data).digest("hex")

/**
 * `/start` sets a cookie and redirects to `/vault`, which wants Digest,
 * fails once with 503, then answers gzipped with what it saw.
 */
const site = () => {
  let failed = false
  return RecordingServer.make((seen: Seen): Answer => {
    if (seen.url === "/start") {
      return { status: 302, headers: { location: "/vault", "set-cookie": ["visit=1; Path=/"] } }
    }
    if (seen.url === "/bomb") {
      const member = zlib.gzipSync(Buffer.alloc(1024 * 1024))
      return {
        status: 200,
        headers: { "content-encoding": "gzip" },
        body: Buffer.concat(Array.from({ length: 64 }, () => member))
      }
    }
    const auth = seen.headers.authorization
    if (auth === undefined) {
      return { status: 401, headers: { "www-authenticate": 'Digest realm="v", qop="auth", nonce="n1"' } }
    }
    const p = parseChallenges(auth)[0]!.params
    const ha1 = md5(`${user.username}:v:${user.password}`)
    const expected = md5(`${ha1}:n1:${p.get("nc")}:${p.get("cnonce")}:auth:${md5(`GET:${p.get("uri")}`)}`)
    if (p.get("response") !== expected) return { status: 403 }
    if (!failed) {
      failed = true
      return { status: 503, headers: { "retry-after": "2" } }
    }
    const body = `${seen.headers.cookie} ${seen.headers["user-agent"]} nc=${p.get("nc")}`
    return { status: 200, headers: { "content-encoding": "gzip" }, body: zlib.gzipSync(body) }
  })
}

describe("Batteries", () => {
  it.scoped("redirect, cookie, Digest, retry and gzip in one request, and nothing left open after", () =>
    Effect.gen(function* () {
      const server = yield* site()
      const baseline = yield* LeakCheck.snapshot
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Requests.layer({ batteries: false }), scope)
      const events = yield* Queue.unbounded<BatteryEvent>()
      const client = (yield* Effect.provide(HttpClient.HttpClient, context)).pipe(
        Batteries.batteries({
          defaultHeaders: { baseUrl: server.url },
          cookies: true,
          credentials: { [server.url]: user },
          events: (event) => Queue.unsafeOffer(events, event)
        })
      )
      const fiber = yield* Effect.fork(Effect.flatMap(client.get("/start"), (response) => response.text))
      // The 503 asks for 2 seconds.
      yield* awaitTimer("2 seconds")
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe(`visit=1 ${DefaultHeaders.userAgent} nc=00000002`)
      const tags = Array.from(yield* Queue.takeAll(events), (event) => event._tag)
      expect(tags).toEqual(["Redirected", "Authenticated", "RetryScheduled", "Decompressed"])
      // A body past the ratio fails typed, mid-stream, and its connection goes.
      const bomb = yield* Effect.flip(Effect.flatMap(client.get("/bomb"), (r) => Stream.runDrain(r.stream)))
      expect(bomb.cause).toBeInstanceOf(Decompression.DecompressionLimitError)
      yield* Scope.close(scope, Exit.void)
      yield* LeakCheck.assertNoLeaks(baseline)
    })
  )
})
