import { readFileSync } from "node:fs"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import * as DefaultHeaders from "../src/DefaultHeaders.js"
import { hasScheme } from "../src/internal/batteries/default-headers.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"

const withDefaults = (options?: DefaultHeaders.Options) =>
  Effect.map(HttpClient.HttpClient, DefaultHeaders.defaultHeaders(options))

describe("DefaultHeaders", () => {
  it("the version sent is the package's", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string
    }
    expect(DefaultHeaders.version).toBe(pkg.version)
    expect(DefaultHeaders.userAgent).toBe(`effect-requests/${pkg.version}`)
  })

  it.scoped("sends User-Agent, Accept and the configured headers unless the request sets them", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make(() => ({ status: 200 }))
      const client = yield* withDefaults({ headers: { "X-Team": "core" } })
      yield* client.get(server.url)
      expect(server.seen[0]!.headers).toMatchObject({
        "user-agent": DefaultHeaders.userAgent,
        accept: "*/*",
        "x-team": "core"
      })
      yield* client.get(server.url, {
        headers: { accept: "application/json", "user-agent": "mine", "x-team": "x" }
      })
      expect(server.seen[1]!.headers).toMatchObject({
        "user-agent": "mine",
        accept: "application/json",
        "x-team": "x"
      })
      const bare = yield* withDefaults({ userAgent: false, accept: false })
      yield* bare.get(server.url)
      expect(server.seen[2]!.headers["user-agent"]).toBeUndefined()
      expect(server.seen[2]!.headers.accept).toBeUndefined()
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("prefixes relative URLs with baseUrl and leaves absolute ones", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make(() => ({ status: 200 }))
      const other = yield* RecordingServer.make(() => ({ status: 200 }))
      const client = yield* withDefaults({ baseUrl: `${server.url}/v1/` })
      yield* client.get("users")
      yield* client.get("/users/2", { urlParams: { q: "a b" } })
      yield* client.get("?page=2")
      yield* client.get(`${other.url}/elsewhere`)
      expect(server.seen.map((seen) => seen.url)).toEqual(["/v1/users", "/v1/users/2?q=a+b", "/v1?page=2"])
      expect(other.seen.map((seen) => seen.url)).toEqual(["/elsewhere"])
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it("tells URLs with a scheme from relative ones as the URL parser does", () => {
    // The URL parser also strips surrounding blanks and drops tabs and newlines anywhere;
    // request URLs carry neither.
    const noBlanks = fc.string().filter((s) => [...s].every((c) => c.charCodeAt(0) > 0x20))
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.webPath(), noBlanks), (url) => {
        let parsesAlone = true
        try {
          new URL(url)
        } catch {
          parsesAlone = false
        }
        // Whatever parses on its own has a scheme; a scheme-less string never parses alone.
        if (parsesAlone) expect(hasScheme(url)).toBe(true)
        if (!hasScheme(url)) expect(parsesAlone).toBe(false)
      })
    )
  })
})
