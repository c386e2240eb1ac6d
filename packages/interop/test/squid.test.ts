import type { Errors, Events } from "@effect-requests/client"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import * as Nginx from "../src/nginx.js"
import * as Squid from "../src/squid.js"
import { get, host, pools, text, withClient } from "./helpers.js"

const squid = requireServer("squid", "squid")
const nginx = requireServer("nginx", "nginx")

const small = "hello through squid\n"
const site = { "small.txt": small }

/** squid resolves names itself and knows nothing of `a.test`: what it carries is addressed by IP. */
const direct = (scheme: "http" | "https", port: number, path: string) =>
  `${scheme}://127.0.0.1:${port}${path}`

const withProxyUser = (proxy: string) => proxy.replace("http://", `http://${Squid.user}:${Squid.password}@`)

/** Sets environment variables for the scope, and puts the old values back when it closes. */
const environment = (vars: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]))
      Object.assign(process.env, vars)
      return saved
    }),
    (saved) =>
      Effect.sync(() => {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      })
  )

describe.skipIf(squid.path === undefined || nginx.path === undefined)(
  suiteTitle(squid, "squid: HTTP forward proxy and CONNECT"),
  () => {
    it.scopedLive("plain http goes to squid in absolute-form, over pooled connections", () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const proxy = yield* Squid.make()
        const events: Array<Events.RequestsEvent> = []
        const carried = yield* withClient(
          { proxy: proxy.url, events: (event) => events.push(event) },
          Effect.gen(function* () {
            const responses = yield* Effect.forEach(
              Array.from({ length: 12 }, (_, i) => `forward-${i}`),
              (id) => get(direct("http", server.ports.http, "/small.txt"), id),
              { concurrency: 3 }
            )
            expect(responses.map((r) => [r.status, text(r.body)])).toEqual(responses.map(() => [200, small]))
            return yield* pools
          })
        )
        expect(carried.h1Connections).toBeGreaterThanOrEqual(1)
        expect(carried.h1Connections).toBeLessThanOrEqual(3)
        const log = yield* proxy.awaitAccessLog((entries) => entries.length === 12, "12 requests at squid")
        expect(new Set(log.map((e) => `${e.method} ${e.url} ${e.status}`))).toEqual(
          new Set([`GET http://127.0.0.1:${server.ports.http}/small.txt 200`])
        )
        const nginxLog = yield* server.awaitAccessLog((entries) => entries.length === 12, "12 at nginx")
        expect(new Set(nginxLog.map((e) => e.protocol))).toEqual(new Set(["HTTP/1.1"]))
        const connected = events.filter((e): e is Events.ProxyConnected => e._tag === "ProxyConnected")
        expect(connected.length).toBe(carried.h1Connections)
        expect(
          connected.every((e) => e.mode === "forward" && e.proxy === `http://127.0.0.1:${proxy.port}`)
        ).toBe(true)
      })
    )

    it.scopedLive("https goes through a CONNECT tunnel, and ALPN inside it still picks h2", () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const proxy = yield* Squid.make()
        const events: Array<Events.RequestsEvent> = []
        const carried = yield* withClient(
          { proxy: proxy.url, events: (event) => events.push(event) },
          Effect.gen(function* () {
            const responses = yield* Effect.forEach(
              Array.from({ length: 10 }, (_, i) => `tunnel-${i}`),
              (id) => get(direct("https", server.ports.h2, "/small.txt"), id),
              { concurrency: 5 }
            )
            expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
            return yield* pools
          })
        )
        expect(carried.h2Connections).toBe(1)
        const nginxLog = yield* server.awaitAccessLog((entries) => entries.length === 10, "10 at nginx")
        expect(new Set(nginxLog.map((e) => e.protocol))).toEqual(new Set(["HTTP/2.0"]))
        const log = yield* proxy.awaitAccessLog(
          (entries) => entries.length >= 1,
          "the tunnel closed at squid"
        )
        expect(log.map((e) => `${e.method} ${e.url}`)).toEqual([`CONNECT 127.0.0.1:${server.ports.h2}`])
        const connected = events.find((e): e is Events.ProxyConnected => e._tag === "ProxyConnected")
        expect(connected?.mode).toBe("connect")
        const handshake = events.find((e): e is Events.TlsHandshake => e._tag === "TlsHandshake")
        expect(handshake?.alpnProtocol).toBe("h2")
      })
    )

    it.scopedLive("a proxy that wants credentials: 407 as a typed ProxyError; with them, it carries", () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const proxy = yield* Squid.make({ requireAuth: true })
        const refused = yield* withClient(
          { proxy: proxy.url },
          Effect.either(get(direct("https", server.ports.https, "/small.txt")))
        )
        expect(Either.isLeft(refused)).toBe(true)
        if (Either.isLeft(refused)) {
          const cause = refused.left.cause as Errors.ProxyError
          expect(cause._tag).toBe("ProxyError")
          expect(cause).toMatchObject({
            status: 407,
            proxy: `http://127.0.0.1:${proxy.port}`,
            phase: "proxy"
          })
        }
        const authorized = yield* withClient(
          { proxy: withProxyUser(proxy.url) },
          Effect.all([
            get(direct("https", server.ports.https, "/small.txt")),
            get(direct("http", server.ports.http, "/small.txt"))
          ])
        )
        expect(authorized.map((r) => [r.status, text(r.body)])).toEqual([
          [200, small],
          [200, small]
        ])
        const log = yield* proxy.awaitAccessLog(
          (entries) => entries.some((e) => e.status === 200 && e.method === "GET"),
          "the authorized GET at squid"
        )
        expect(log.filter((e) => e.status !== 407).every((e) => e.user === Squid.user)).toBe(true)
      })
    )

    it.scopedLive("HTTP_PROXY from the environment, and NO_PROXY sends matching hosts around squid", () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const proxy = yield* Squid.make()
        yield* environment({ HTTP_PROXY: proxy.url, NO_PROXY: `localhost, .example, ${host}` })
        const responses = yield* withClient(
          {},
          Effect.all([
            get(`http://${host}:${server.ports.http}/small.txt`, "bypass"),
            get(direct("http", server.ports.http, "/small.txt"), "proxied")
          ])
        )
        expect(responses.map((r) => r.status)).toEqual([200, 200])
        const nginxLog = yield* server.awaitAccessLog((entries) => entries.length === 2, "both at nginx")
        expect(new Set(nginxLog.map((e) => e.requestId))).toEqual(new Set(["bypass", "proxied"]))
        const log = yield* proxy.awaitAccessLog((entries) => entries.length >= 1, "the proxied one at squid")
        expect(log.map((e) => e.url)).toEqual([`http://127.0.0.1:${server.ports.http}/small.txt`])
      })
    )
  }
)
