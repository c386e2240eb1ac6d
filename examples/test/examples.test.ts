import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer } from "@effect-requests/testing"
import { HttpClient } from "@effect/platform"
import { Effect } from "effect"
import { clientVia } from "../src/custom-dialer.js"
import { runDemo } from "../src/demo.js"
import { observedClient, warmThenSend } from "../src/events-and-stats.js"
import { getJson } from "../src/get-json.js"
import { runWithMock } from "../src/mock-client.js"
import { describeOutcome } from "../src/typed-errors.js"

describe("examples", () => {
  it.live("demo shows each part on its own line, with the figures read from the counters", () =>
    Effect.gen(function* () {
      const lines = yield* runDemo
      expect(lines.map((line) => line.split(" ")[0])).toEqual([
        "ALPN",
        "HTTP/2",
        "events",
        "stats",
        "failure",
        "mock"
      ])
      expect(lines[0]).toMatch(/→ http\/1\.1, https:\/\/localhost:\d+ → h2$/)
      expect(lines[1]).toMatch(/^HTTP\/2 +100 concurrent requests over 1 connection\(s\)/)
      expect(lines[2]).toMatch(/TlsHandshake 2/)
      expect(lines[3]).toMatch(/102 requests, 0 errors/)
      expect(lines[4]).toContain("ECONNREFUSED")
    })
  )

  it.scoped("get-json decodes the echoed request", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      expect(yield* getJson(server.url)).toBe("GET /echo?from=example")
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scopedLive("typed-errors tells a refused connection from a body cut short", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      expect(yield* describeOutcome(`${server.url}/bytes/10`)).toBe("ok: 10 bytes")
      expect(yield* describeOutcome(`${server.url}/hang-body/100000`)).toMatch(
        /^the body failed: .* closed the connection during body$/
      )
      expect(yield* describeOutcome("http://127.0.0.1:1/")).toBe(
        "cannot reach http://127.0.0.1:1 (ECONNREFUSED)"
      )
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.effect("mock-client answers from the handler and records the request", () =>
    Effect.gen(function* () {
      const result = yield* runWithMock
      expect(result).toEqual({
        name: "user of https://api.example/users/7",
        urls: ["https://api.example/users/7"]
      })
    })
  )

  it.scoped("events-and-stats logs each connection's life and reports the origin's figures", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const log: Array<string> = []
      const figures = yield* Effect.scoped(Effect.provide(warmThenSend(server.url), observedClient(log)))
      expect(figures).toEqual([`${server.url} http/1.1: 3 requests, 0 errors`])
      // Both connections were open before the first request, and carried all three.
      expect(server.stats.connectionsOpened).toBe(2)
      expect(log.slice(0, 4)).toEqual([
        `Connected ${server.url}`,
        `Connected ${server.url}`,
        `RequestHeaders ${server.url}`,
        `RequestHeaders ${server.url}`
      ])
      expect(log.filter((line) => line.startsWith("ResponseHeaders"))).toHaveLength(3)
      yield* server.awaitClosedConnections(2)
      expect(log.filter((line) => line.startsWith("Released"))).toHaveLength(2)
    })
  )

  it.scoped("custom-dialer sends a made-up host to the local server, through the client's own pools", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const log: Array<string> = []
      const texts = yield* Effect.provide(
        Effect.all(
          [1, 2].map(() => Effect.flatMap(HttpClient.get("http://api.internal/echo"), (r) => r.json))
        ),
        clientVia({ "api.internal:80": `127.0.0.1:${server.port}` }, log)
      )
      expect(texts).toEqual([
        expect.objectContaining({ method: "GET", url: "/echo" }),
        expect.objectContaining({ method: "GET", url: "/echo" })
      ])
      // One dial: the second request reused the connection.
      expect(log).toEqual(["dial http://api.internal:80 via 127.0.0.1:" + server.port])
      expect(server.stats.connectionsOpened).toBe(1)
    })
  )
})
