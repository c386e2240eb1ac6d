import type { Errors, Events } from "@effect-requests/client"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import * as Accounts from "../src/accounts.js"
import * as Dante from "../src/dante.js"
import { freePorts } from "../src/net.js"
import * as Nginx from "../src/nginx.js"
import { get, pools, text, withClient } from "./helpers.js"

const dante = requireServer("danted", "dante-server")
const nginx = requireServer("nginx", "nginx")

const small = "hello through dante\n"
const site = { "small.txt": small }

describe.skipIf(dante.path === undefined || nginx.path === undefined)(
  suiteTitle(dante, "dante: SOCKS5 proxy"),
  () => {
    it.scopedLive("socks5:// resolves here and carries HTTP/1.1 over pooled connections", () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const proxy = yield* Dante.make()
        const events: Array<Events.RequestsEvent> = []
        const carried = yield* withClient(
          { proxy: `socks5://127.0.0.1:${proxy.port}`, events: (event) => events.push(event) },
          Effect.gen(function* () {
            // a.test resolves here (the client's static lookup); dante only sees an address.
            const responses = yield* Effect.forEach(
              Array.from({ length: 6 }, (_, i) => `socks-${i}`),
              (id) => get(`http://a.test:${server.ports.http}/small.txt`, id),
              { concurrency: 2 }
            )
            expect(responses.map((r) => [r.status, text(r.body)])).toEqual(responses.map(() => [200, small]))
            return yield* pools
          })
        )
        expect(carried.h1Connections).toBeLessThanOrEqual(2)
        const connected = events.filter((e): e is Events.ProxyConnected => e._tag === "ProxyConnected")
        expect(connected.map((e) => e.mode)).toEqual(connected.map(() => "socks"))
        expect(events.some((e) => e._tag === "Dns" && e.host === "a.test")).toBe(true)
        const log = yield* proxy.awaitLog(
          (text) => text.includes(`127.0.0.1.${server.ports.http}`),
          "a pass line"
        )
        expect(log).toContain("pass")
      })
    )

    it.scopedLive("socks5h:// leaves the name to dante, and ALPN inside still picks h2", () =>
      Effect.gen(function* () {
        const server = yield* Nginx.make({ site })
        const proxy = yield* Dante.make()
        const events: Array<Events.RequestsEvent> = []
        const carried = yield* withClient(
          { proxy: `socks5h://127.0.0.1:${proxy.port}`, events: (event) => events.push(event) },
          Effect.gen(function* () {
            const responses = yield* Effect.forEach(
              Array.from({ length: 6 }, (_, i) => `socks-h2-${i}`),
              (id) => get(`https://localhost:${server.ports.h2}/small.txt`, id),
              { concurrency: 3 }
            )
            expect(responses.every((r) => r.status === 200 && text(r.body) === small)).toBe(true)
            return yield* pools
          })
        )
        expect(carried.h2Connections).toBe(1)
        // No name was resolved here: the proxy did it.
        expect(events.some((e) => e._tag === "Dns")).toBe(false)
        const nginxLog = yield* server.awaitAccessLog((entries) => entries.length === 6, "6 at nginx")
        expect(new Set(nginxLog.map((e) => e.protocol))).toEqual(new Set(["HTTP/2.0"]))
      })
    )

    // danted's `username` method checks the system's accounts, so these tests make one for their run.
    const accounts = Accounts.unavailable()
    describe.skipIf(accounts !== undefined)(
      accounts === undefined
        ? "with username authentication"
        : `with username authentication [skipped: ${accounts}]`,
      () => {
        it.scopedLive("socks5:// sends the URL's credentials, and carries HTTP/1.1 and h2", () =>
          Effect.gen(function* () {
            const account = yield* Accounts.make("ereq-socks")
            const proxy = yield* Dante.make({ usernameAuth: true })
            const server = yield* Nginx.make({ site })
            const credentials = `${account.username}:${account.password}`
            const [plain, tunnelled] = yield* withClient(
              { proxy: `socks5h://${credentials}@127.0.0.1:${proxy.port}` },
              Effect.all([
                get(`http://localhost:${server.ports.http}/small.txt`),
                get(`https://localhost:${server.ports.h2}/small.txt`)
              ])
            )
            expect([plain.status, text(plain.body)]).toEqual([200, small])
            expect([tunnelled.status, text(tunnelled.body)]).toEqual([200, small])
            const log = yield* proxy.awaitLog(
              (log) => log.split("pass(").length - 1 >= 2,
              "two connections passed"
            )
            expect(log).toContain(`username%${account.username}@`)
            const nginxLog = yield* server.awaitAccessLog((entries) => entries.length === 2, "2 at nginx")
            expect(nginxLog.map((e) => e.protocol).sort()).toEqual(["HTTP/1.1", "HTTP/2.0"])
          })
        )

        it.scopedLive("a wrong password is a ProxyError named AuthenticationFailed", () =>
          Effect.gen(function* () {
            const account = yield* Accounts.make("ereq-socks")
            const proxy = yield* Dante.make({ usernameAuth: true })
            const server = yield* Nginx.make({ site })
            const result = yield* withClient(
              { proxy: `socks5://${account.username}:wrong@127.0.0.1:${proxy.port}` },
              Effect.either(get(`http://127.0.0.1:${server.ports.http}/small.txt`))
            )
            expect(Either.isLeft(result)).toBe(true)
            if (Either.isLeft(result)) {
              expect(result.left.cause).toMatchObject({ _tag: "ProxyError", reason: "AuthenticationFailed" })
            }
          })
        )

        it.scopedLive("no credentials at a proxy that requires them is a ProxyError", () =>
          Effect.gen(function* () {
            const proxy = yield* Dante.make({ usernameAuth: true })
            const server = yield* Nginx.make({ site })
            const result = yield* withClient(
              { proxy: `socks5://127.0.0.1:${proxy.port}` },
              Effect.either(get(`http://127.0.0.1:${server.ports.http}/small.txt`))
            )
            expect(Either.isLeft(result)).toBe(true)
            if (Either.isLeft(result)) {
              expect(result.left.cause).toMatchObject({
                _tag: "ProxyError",
                reason: "NoAcceptableAuthMethod"
              })
            }
          })
        )
      }
    )

    it.scopedLive("a refused destination is a ProxyError naming the SOCKS reply", () =>
      Effect.gen(function* () {
        const proxy = yield* Dante.make()
        const [closed = 0] = yield* freePorts(1)
        const result = yield* withClient(
          { proxy: `socks5://127.0.0.1:${proxy.port}` },
          Effect.either(get(`http://127.0.0.1:${closed}/`))
        )
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) {
          const cause = result.left.cause as Errors.ProxyError
          expect(cause).toMatchObject({ _tag: "ProxyError", reason: "ConnectionRefused", status: undefined })
        }
      })
    )
  }
)
