/**
 * `npm start`: one screen, one line per part, against servers started on
 * loopback, so no network is needed. Every figure printed is read from the
 * client's stats or the servers' own counters, not assumed.
 */
import { pathToFileURL } from "node:url"
import type { Events } from "@effect-requests/client"
import { Requests } from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { runWithMock } from "./mock-client.js"
import { describeOutcome } from "./typed-errors.js"

const get = (url: string) => Effect.flatMap(HttpClient.get(url), (response) => response.text)

/** Runs every part and returns the lines to print. */
export const demo = (events: Map<string, number>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const h1 = yield* HttpTestServer.make({ tls: true })
    const h2 = yield* Http2TestServer.make({ tls: true })

    // One client, two origins: each picks its protocol by ALPN.
    yield* get(`https://localhost:${h1.port}/bytes/16`)
    yield* get(`https://localhost:${h2.port}/bytes/16`)
    const requests = yield* Requests.Requests
    const origins = (yield* requests.stats).origins.map((o) => `${o.origin} → ${o.protocol}`)
    lines.push(`ALPN       one client: ${origins.join(", ")}`)

    // 100 requests at once to the HTTP/2 origin.
    yield* Effect.forEach(
      Array.from({ length: 100 }, (_, i) => i),
      (i) => get(`https://localhost:${h2.port}/bytes/${i + 1}`),
      { concurrency: "unbounded" }
    )
    lines.push(
      `HTTP/2     100 concurrent requests over ${h2.stats.sessionsOpened} connection(s); ` +
        `at most ${h2.stats.peakConcurrentStreams} streams in flight at once (server's count)`
    )

    const counted = [...events].map(([tag, n]) => `${tag} ${n}`).join(", ")
    lines.push(`events     ${counted}`)

    const stats = yield* requests.stats
    const streams = Option.match(stats.h2, { onNone: () => 0, onSome: (h) => h.totalStreams })
    lines.push(
      `stats      ${stats.requestsMade} requests, ${stats.errors} errors, ${stats.retries} retries; ` +
        `HTTP/1.1 ${stats.h1.created} connection(s), HTTP/2 ${streams} streams`
    )

    lines.push(`failure    ${yield* describeOutcome("http://127.0.0.1:1/")} (a typed ConnectError)`)

    const mocked = yield* runWithMock
    lines.push(`mock       MockHttpClient answered ${mocked.name} for ${mocked.urls.join(", ")}`)
    return lines
  })

/** The demo with its own client, trusting the test CA and counting events by kind. */
export const runDemo = Effect.suspend(() => {
  const events = new Map<string, number>()
  const count = (event: Events.RequestsEvent) => events.set(event._tag, (events.get(event._tag) ?? 0) + 1)
  return demo(events).pipe(
    Effect.scoped,
    Effect.provide(Requests.layer({ tls: { ca: TestCerts.ca }, events: count }))
  )
})

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  Effect.runPromise(runDemo).then(
    (lines) => console.log(lines.join("\n")),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    }
  )
}
