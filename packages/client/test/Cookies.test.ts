import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, Requests } from "@effect-requests/client"
import * as Effect from "effect/Effect"
import * as Cookies from "../src/Cookies.js"
import type { BatteryEvent } from "../src/Cookies.js"
import * as Redirects from "../src/Redirects.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"

const hosts = ["www.example.co.uk", "api.example.co.uk", "plain.test", "other.test"]
const layer = Requests.layer({
  batteries: false,
  lookup: Dialer.staticLookup(Object.fromEntries(hosts.map((host) => [host, "127.0.0.1"])))
})

/**
 * `/set?<cookie>&<cookie>` answers with those `Set-Cookie`s; `/go?<url>`
 * redirects there; `/login` sets a session and redirects home; anything else answers with the `Cookie` it got.
 */
const cookieServer = RecordingServer.make((seen) => {
  const [path, query = ""] = seen.url.split("?")
  if (path === "/set")
    return { status: 200, headers: { "set-cookie": query.split("&").map(decodeURIComponent) } }
  if (path === "/login") return { status: 302, headers: { "set-cookie": ["session=abc"], location: "/home" } }
  if (path === "/go") return { status: 302, headers: { location: decodeURIComponent(query) } }
  return { status: 200, body: seen.headers.cookie ?? "" }
})

const set = (...cookies: ReadonlyArray<string>) => `/set?${cookies.map(encodeURIComponent).join("&")}`

const withCookies = (options?: Parameters<typeof Cookies.cookies>[0]) =>
  Effect.map(HttpClient.HttpClient, Cookies.cookies(options))

const sent = (client: HttpClient.HttpClient.With<unknown>, url: string, headers?: Record<string, string>) =>
  Effect.flatMap(
    client.get(url, headers === undefined ? undefined : { headers }),
    (response) => response.text
  )

describe("Cookies", () => {
  it.scoped("stores Set-Cookie and sends it back by path, alongside the request's own", () =>
    Effect.gen(function* () {
      const server = yield* cookieServer
      const client = yield* withCookies()
      yield* client.get(server.url + set("a=1; Path=/; HttpOnly", "b=2", "admin=3; Path=/admin"))
      expect(yield* sent(client, `${server.url}/page`)).toBe("a=1; b=2")
      expect(yield* sent(client, `${server.url}/admin/x`)).toBe("admin=3; a=1; b=2")
      expect(yield* sent(client, `${server.url}/page`, { cookie: "mine=0" })).toBe("mine=0; a=1; b=2")
      // Expired cookies go.
      yield* client.get(server.url + set("b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "a=; Max-Age=0"))
      expect(yield* sent(client, `${server.url}/page`)).toBe("")
    }).pipe(Effect.provide(layer))
  )

  it.scoped("applies domain and public-suffix rules, and Secure", () =>
    Effect.gen(function* () {
      const server = yield* cookieServer
      const events: Array<BatteryEvent> = []
      const client = yield* withCookies({ events: (event) => events.push(event) })
      const www = `http://www.example.co.uk:${server.port}`
      const api = `http://api.example.co.uk:${server.port}`
      yield* client.get(www + set("shared=1; Domain=example.co.uk", "host=1", "suffix=1; Domain=co.uk"))
      expect(yield* sent(client, `${www}/`)).toBe("shared=1; host=1")
      expect(yield* sent(client, `${api}/`)).toBe("shared=1")
      expect(events).toMatchObject([{ _tag: "CookieRejected", name: "suffix" }])
      // A Secure cookie is not sent over plain http to a host that is not loopback.
      const plain = `http://plain.test:${server.port}`
      yield* client.get(plain + set("secret=1; Secure", "open=1"))
      expect(yield* sent(client, `${plain}/`)).toBe("open=1")
    }).pipe(Effect.provide(layer))
  )

  it.scoped("SameSite is enforced in the context given", () =>
    Effect.gen(function* () {
      const server = yield* cookieServer
      const jar = new Cookies.CookieJar()
      const strict = yield* withCookies({ jar, sameSiteContext: "strict" })
      yield* strict.get(server.url + set("s=1; SameSite=Strict", "l=1; SameSite=Lax", "n=1"))
      expect(yield* sent(strict, `${server.url}/`)).toBe("s=1; l=1; n=1")
      const crossSite = yield* withCookies({ jar, sameSiteContext: "none" })
      expect(yield* sent(crossSite, `${server.url}/`)).toBe("n=1")
    }).pipe(Effect.provide(layer))
  )

  it.scoped("every redirect hop reads and fills the jar", () =>
    Effect.gen(function* () {
      const server = yield* cookieServer
      const other = yield* cookieServer
      const jar = new Cookies.CookieJar()
      const client = (yield* HttpClient.HttpClient).pipe(Cookies.cookies(jar), Redirects.redirects())
      yield* client.get(`http://other.test:${other.port}${set("there=1")}`)
      // A hop that sets a cookie the next hop sends.
      const home = yield* client.get(`${server.url}/login`)
      expect(yield* home.text).toBe("session=abc")
      // A hop to another origin sends that origin's cookies, not this one's.
      const away = `http://other.test:${other.port}/echo`
      const response = yield* client.get(`${server.url}/go?${encodeURIComponent(away)}`)
      expect(yield* response.text).toBe("there=1")
    }).pipe(Effect.provide(layer))
  )

  it.scoped("a jar survives serialisation; another jar or none for one request", () =>
    Effect.gen(function* () {
      const server = yield* cookieServer
      const jar = new Cookies.CookieJar()
      const client = yield* withCookies(jar)
      yield* client.get(server.url + set("kept=1; Max-Age=3600"))
      const saved = JSON.parse(JSON.stringify(yield* Cookies.serialize(jar))) as Cookies.SerializedCookieJar
      const restored = yield* Cookies.deserialize(saved)
      const again = yield* withCookies(restored)
      expect(yield* sent(again, `${server.url}/`)).toBe("kept=1")
      expect(yield* Cookies.disabled(sent(client, `${server.url}/`))).toBe("")
      yield* Cookies.disabled(client.get(server.url + set("ignored=1")))
      expect(yield* sent(client, `${server.url}/`)).toBe("kept=1")
      const separate = new Cookies.CookieJar()
      expect(yield* Cookies.withJar(sent(client, `${server.url}/`), separate)).toBe("")
      const invalid = yield* Effect.flip(Cookies.deserialize("not json"))
      expect(invalid).toMatchObject({ _tag: "CookieStoreError", operation: "deserialize" })
    }).pipe(Effect.provide(layer))
  )

  it.effect("cookies sharing a name reach the jar apart when the response offers its raw Set-Cookie", () =>
    Effect.gen(function* () {
      const setCookie = ["id=root; Path=/", "id=admin; Path=/admin"]
      const jar = new Cookies.CookieJar()
      // `makeWith`, as the client of `Requests.layer` is built: `make` wraps each response.
      const client = HttpClient.makeWith<never, never, never, never>(
        Effect.map((request) =>
          Object.assign(
            HttpClientResponse.fromWeb(
              request,
              new Response("", { headers: setCookie.map((v) => ["set-cookie", v]) })
            ),
            { [Cookies.SetCookieHeaders]: setCookie }
          )
        ),
        Effect.succeed
      ).pipe(Cookies.cookies(jar))
      yield* client.get("http://plain.test/")
      expect(yield* Effect.promise(() => jar.getCookieString("http://plain.test/admin/x"))).toBe(
        "id=admin; id=root"
      )
    })
  )
})
