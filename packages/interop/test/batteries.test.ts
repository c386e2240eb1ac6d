import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cookies, Decompression, Dialer, type Events, Redirects } from "@effect-requests/client"
import { Effect } from "effect"
import * as Apache from "../src/apache.js"
import { requireServer, suiteTitle } from "../src/binaries.js"
import * as BatteryNginx from "../src/nginx-batteries.js"
import { stats, withClient } from "./helpers.js"

const nginx = requireServer("nginx", "nginx")
const apache = requireServer("apache2", "apache2")

const first = "a.test"
const second = "b.test"
const lookup = Dialer.staticLookup({ [first]: "127.0.0.1", [second]: "127.0.0.1" })

const document = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) }
const json = JSON.stringify(document)
const site = { "data.json": json }

const collect = (events: Array<Events.RequestsEvent>) => (event: Events.RequestsEvent) => {
  if (event._tag === "Redirected" || event._tag === "Decompressed" || event._tag === "Authenticated") {
    events.push(event)
  }
}

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "batteries against nginx"), () => {
  it.scopedLive("gzip on: the body arrives compressed and is decoded to the JSON", () =>
    Effect.gen(function* () {
      const server = yield* BatteryNginx.make({ secondHost: second, site })
      const url = `http://${first}:${server.ports.first}/data.json`
      const events: Array<Events.RequestsEvent> = []
      const figures = yield* withClient(
        { lookup, events: collect(events) },
        Effect.gen(function* () {
          expect(yield* Effect.flatMap(HttpClient.get(url), (r) => r.json)).toEqual(document)
          const raw = yield* Decompression.disabled(HttpClient.get(url))
          expect(raw.headers["content-encoding"]).toBeUndefined()
          expect(yield* raw.text).toBe(json)
          return yield* stats
        })
      )
      const log = yield* server.awaitAccessLog((entries) => entries.length === 2, "2 requests logged")
      expect(log[0]!.acceptEncoding).toBe(Decompression.acceptEncoding)
      expect(log[0]!.userAgent).toMatch(/^effect-requests\//)
      expect(log[1]!.acceptEncoding).toBe("")
      // What nginx sent compressed is well under the document.
      expect(log[0]!.bytesSent).toBeLessThan(json.length / 2)
      expect(log[1]!.bytesSent).toBeGreaterThan(json.length)
      expect(events).toMatchObject([{ _tag: "Decompressed", encodings: ["gzip"], decodedBytes: json.length }])
      expect(figures.batteries).toMatchObject({ decompressed: 1, bytesDecompressed: json.length })
      expect(figures.batteries.bytesCompressed).toBeLessThan(json.length / 2)
    })
  )

  it.scopedLive("a 302 chain across two origins: credentials and cookies stay with the first", () =>
    Effect.gen(function* () {
      const server = yield* BatteryNginx.make({ secondHost: second, site })
      const origin = `http://${first}:${server.ports.first}`
      const events: Array<Events.RequestsEvent> = []
      const jar = new Cookies.CookieJar()
      yield* Effect.promise(() => jar.setCookie("jar=1; Path=/", `${origin}/`))
      const response = yield* withClient(
        { lookup, cookies: jar, events: collect(events) },
        Effect.gen(function* () {
          const request = HttpClientRequest.get(`${origin}/start`).pipe(
            HttpClientRequest.setHeader("authorization", "Bearer secret-token"),
            HttpClientRequest.setHeader("cookie", "own=2")
          )
          const response = yield* HttpClient.execute(request)
          return { history: Redirects.history(response), body: yield* response.json }
        })
      )
      expect(response.body).toEqual(document)
      expect(response.history.url).toBe(`http://${second}:${server.ports.second}/data.json`)
      expect(response.history.hops.map((hop) => hop.status)).toEqual([302, 302, 302])
      const log = yield* server.awaitAccessLog((entries) => entries.length === 4, "4 requests logged")
      expect(log.map((entry) => [entry.port, entry.uri, entry.status])).toEqual([
        [server.ports.first, "/start", 302],
        [server.ports.first, "/hop", 302],
        [server.ports.second, "/landing", 302],
        [server.ports.second, "/data.json", 200]
      ])
      // Same origin: the caller's Authorization and Cookie go along, the jar's cookie too.
      for (const entry of log.slice(0, 2)) {
        expect(entry.authorization).toBe("Bearer secret-token")
        expect(entry.cookie).toBe("own=2; jar=1")
      }
      // Past the origin change: nothing.
      for (const entry of log.slice(2)) expect([entry.authorization, entry.cookie]).toEqual(["", ""])
      expect(events.filter((event) => event._tag === "Redirected")).toMatchObject([
        { hop: 1, strippedCredentials: false },
        { hop: 2, strippedCredentials: true },
        { hop: 3, strippedCredentials: false }
      ])
    })
  )

  it.scopedLive("Set-Cookie from add_header round trips through the jar", () =>
    Effect.gen(function* () {
      const server = yield* BatteryNginx.make({ secondHost: second, site })
      const origin = `http://${first}:${server.ports.first}`
      const seen = yield* withClient(
        { lookup, cookies: true },
        Effect.gen(function* () {
          const login = yield* HttpClient.get(`${origin}/login`)
          expect(login.status).toBe(204)
          expect(Cookies.SetCookieHeaders in login && login[Cookies.SetCookieHeaders]).toEqual([
            "sid=abc123; Path=/; HttpOnly",
            "theme=dark; Path=/; Max-Age=3600"
          ])
          expect(login.headers["set-cookie"]).toBe(
            "sid=abc123; Path=/; HttpOnly, theme=dark; Path=/; Max-Age=3600"
          )
          const me = yield* Effect.flatMap(HttpClient.get(`${origin}/me`), (r) => r.text)
          // The other origin's host gets none of them.
          const other = yield* Effect.flatMap(
            HttpClient.get(`http://${second}:${server.ports.second}/data.json`),
            (r) => r.text
          )
          expect(other).toBe(json)
          return me
        })
      )
      expect(seen).toBe("sid=abc123; theme=dark")
      const log = yield* server.awaitAccessLog((entries) => entries.length === 3, "3 requests logged")
      expect(log.map((entry) => entry.cookie)).toEqual(["", "sid=abc123; theme=dark", ""])
    })
  )
})

describe.skipIf(apache.path === undefined)(
  suiteTitle(apache, "batteries against Apache mod_auth_digest"),
  () => {
    it.scopedLive("Digest MD5: answered on the 401, then up front with a growing nonce count", () =>
      Effect.gen(function* () {
        const user = { username: "ada", password: "engine" }
        const server = yield* Apache.make({
          user,
          site: { "private/doc.txt": "behind digest\n", "open.txt": "open\n" }
        })
        const origin = `http://${first}:${server.port}`
        const events: Array<Events.RequestsEvent> = []
        const figures = yield* withClient(
          { lookup, credentials: { [origin]: user }, events: collect(events) },
          Effect.gen(function* () {
            for (let i = 0; i < 3; i++) {
              const response = yield* HttpClient.get(`${origin}/private/doc.txt`)
              expect([response.status, yield* response.text]).toEqual([200, "behind digest\n"])
            }
            return yield* stats
          })
        )
        const log = yield* server.awaitAccessLog((entries) => entries.length === 4, "4 requests logged")
        expect(log.map((entry) => entry.status)).toEqual([401, 200, 200, 200])
        expect(log[0]!.authorization).toBeUndefined()
        const params = log.slice(1).map((entry) => {
          const value = entry.authorization ?? ""
          expect(value.startsWith("Digest ")).toBe(true)
          const pick = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(value)?.[1]
          return {
            nc: pick("nc"),
            algorithm: pick("algorithm"),
            realm: pick("realm"),
            response: pick("response")
          }
        })
        expect(params.map((p) => [p.nc, p.algorithm, p.realm])).toEqual([
          ["00000001", "MD5", server.realm],
          ["00000002", "MD5", server.realm],
          ["00000003", "MD5", server.realm]
        ])
        expect(events).toMatchObject([{ _tag: "Authenticated", scheme: "Digest", stale: false }])
        expect(figures.batteries.authenticated).toBe(1)
      })
    )

    it.scopedLive("Digest with the wrong password: the 401 is the response", () =>
      Effect.gen(function* () {
        const server = yield* Apache.make({ site: { "private/doc.txt": "behind digest\n" } })
        const origin = `http://${first}:${server.port}`
        const [status, made] = yield* withClient(
          { lookup, credentials: { [origin]: { username: "ada", password: "wrong" } } },
          Effect.zip(
            Effect.map(HttpClient.get(`${origin}/private/doc.txt`), (response) => response.status),
            Effect.map(stats, (figures) => figures.requestsMade)
          )
        )
        expect(status).toBe(401)
        const log = yield* server.awaitAccessLog(
          (entries) => entries.length === made,
          `${made} requests logged`
        )
        // Apache hands out a fresh nonce with each 401, which earns one more answer (two at most).
        expect(made).toBeGreaterThanOrEqual(2)
        expect(made).toBeLessThanOrEqual(3)
        expect(log.map((entry) => [entry.status, entry.authorization !== undefined])).toEqual([
          [401, false],
          ...Array.from({ length: made - 1 }, () => [401, true])
        ])
      })
    )
  }
)
