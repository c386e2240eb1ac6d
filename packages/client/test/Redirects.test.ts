import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Redirects from "../src/Redirects.js"
import type { BatteryEvent } from "../src/Redirects.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"

const following = (options?: Redirects.Options) =>
  Effect.map(HttpClient.HttpClient, Redirects.redirects(options))

/** `/<status>/<rest>` redirects with `<status>` to `/<rest>`; anything else answers 200 with its method. */
const hopping = RecordingServer.make((seen) => {
  const [, status, ...rest] = seen.url.split("/")
  if (/^3\d\d$/.test(status!)) return { status: Number(status), headers: { location: `/${rest.join("/")}` } }
  return { status: 200, body: `${seen.method} ${seen.url} ${seen.body}` }
})

describe("Redirects", () => {
  it.scoped("rewrites methods as browsers do and keeps bodies for 307 and 308", () =>
    Effect.gen(function* () {
      const server = yield* hopping
      const client = yield* following()
      const text = (request: HttpClientRequest.HttpClientRequest) =>
        Effect.flatMap(client.execute(request), (response) => response.text)
      const post = (path: string) =>
        HttpClientRequest.post(`${server.url}${path}`).pipe(HttpClientRequest.bodyText("hi"))
      expect(yield* text(post("/301/done"))).toBe("GET /done ")
      expect(yield* text(post("/302/done"))).toBe("GET /done ")
      expect(yield* text(post("/303/done"))).toBe("GET /done ")
      expect(yield* text(post("/307/done"))).toBe("POST /done hi")
      expect(yield* text(post("/308/done"))).toBe("POST /done hi")
      const put = HttpClientRequest.put(`${server.url}/303/done`).pipe(HttpClientRequest.bodyText("x"))
      expect(yield* text(put)).toBe("GET /done ")
      const put302 = HttpClientRequest.put(`${server.url}/302/done`).pipe(HttpClientRequest.bodyText("x"))
      expect(yield* text(put302)).toBe("PUT /done x")
      // The GET after a 303 carries no body headers.
      const afterPost = server.seen.find((seen) => seen.url === "/done" && seen.method === "GET")!
      expect(afterPost.headers["content-type"]).toBeUndefined()
      expect(afterPost.headers["content-length"]).toBeUndefined()
      const head = yield* client.head(`${server.url}/303/done`)
      expect(head.status).toBe(200)
      expect(server.seen.at(-1)!.method).toBe("HEAD")
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("a streamed body cannot follow a 307", () =>
    Effect.gen(function* () {
      const server = yield* hopping
      const client = yield* following()
      const request = HttpClientRequest.post(`${server.url}/307/done`).pipe(
        HttpClientRequest.setBody(HttpBody.stream(Stream.make(new TextEncoder().encode("streamed"))))
      )
      const error = yield* Effect.flip(client.execute(request))
      expect(error).toMatchObject({ _tag: "RedirectBodyError", status: 307, method: "POST" })
      expect(error._tag === "RedirectBodyError" && error.chain.map((hop) => hop.status)).toEqual([307])
      // 303 drops the body, so a stream is fine.
      const ok = yield* client.execute(HttpClientRequest.setUrl(request, `${server.url}/303/done`))
      expect(yield* ok.text).toBe("GET /done ")
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("the final response tells its URL and the hops, and each hop is reported", () =>
    Effect.gen(function* () {
      const server = yield* hopping
      const events: Array<BatteryEvent> = []
      const client = yield* following({ events: (event) => events.push(event) })
      const response = yield* client.get(`${server.url}/301/302/307/done?q=1`)
      expect(yield* response.text).toBe("GET /done?q=1 ")
      const history = Redirects.history(response)
      expect(history.url).toBe(`${server.url}/done?q=1`)
      expect(history.hops.map((hop) => [hop.status, new URL(hop.url).pathname])).toEqual([
        [301, "/301/302/307/done"],
        [302, "/302/307/done"],
        [307, "/307/done"]
      ])
      expect(events.map((event) => event._tag === "Redirected" && [event.hop, event.status])).toEqual([
        [1, 301],
        [2, 302],
        [3, 307]
      ])
      const direct = yield* client.get(`${server.url}/done`)
      expect(Redirects.history(direct)).toEqual({ url: `${server.url}/done`, hops: [] })
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("credentials stay behind when the origin changes", () =>
    Effect.gen(function* () {
      const other = yield* RecordingServer.make(() => ({ status: 200 }))
      const server = yield* RecordingServer.make((seen) =>
        seen.url === "/away"
          ? { status: 302, headers: { location: `${other.url}/there` } }
          : seen.url === "/near"
            ? { status: 302, headers: { location: "/here" } }
            : { status: 200 }
      )
      const events: Array<BatteryEvent> = []
      const client = yield* following({ events: (event) => events.push(event) })
      const headers = {
        authorization: "Bearer secret",
        cookie: "a=b",
        "proxy-authorization": "Basic x",
        "x-other": "1"
      }
      yield* client.get(`${server.url}/near`, { headers })
      expect(server.seen[1]!.headers).toMatchObject(headers)
      yield* client.get(`${server.url}/away`, { headers })
      const seen = other.seen[0]!.headers
      expect(seen.authorization).toBeUndefined()
      expect(seen.cookie).toBeUndefined()
      expect(seen["proxy-authorization"]).toBeUndefined()
      expect(seen["x-other"]).toBe("1")
      expect(events.map((event) => event._tag === "Redirected" && event.strippedCredentials)).toEqual([
        false,
        true
      ])
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("https to http is refused unless allowed", () =>
    Effect.gen(function* () {
      const plain = yield* RecordingServer.make(() => ({ status: 200, body: "insecure" }))
      const secure = yield* RecordingServer.make(
        () => ({ status: 302, headers: { location: `${plain.url}/x` } }),
        {
          tls: true
        }
      )
      const url = `https://localhost:${secure.port}/`
      const error = yield* Effect.flip(Effect.flatMap(following(), (client) => client.get(url)))
      expect(error).toMatchObject({ _tag: "RedirectDowngradeError", from: url, to: `${plain.url}/x` })
      expect(plain.seen).toHaveLength(0)
      const allowed = yield* Effect.flatMap(following({ allowDowngrade: true }), (client) => client.get(url))
      expect(yield* allowed.text).toBe("insecure")
    }).pipe(Effect.provide(Requests.layer({ batteries: false, tls: { ca: TestCerts.ca } })))
  )

  it.scoped("loops and too many redirects fail typed, with the chain", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make((seen) =>
        seen.url === "/a"
          ? { status: 302, headers: { location: "/b" } }
          : seen.url === "/b"
            ? { status: 302, headers: { location: "/a" } }
            : seen.url === "/bad"
              ? { status: 302, headers: { location: "ftp://example/" } }
              : { status: 302, headers: { location: `/${Number(seen.url.slice(1)) + 1}` } }
      )
      const client = yield* following({ max: 3 })
      const loop = yield* Effect.flip(client.get(`${server.url}/a`))
      expect(loop._tag).toBe("RedirectLoopError")
      expect(loop._tag === "RedirectLoopError" && loop.chain.map((hop) => new URL(hop.url).pathname)).toEqual(
        ["/a", "/b", "/a"]
      )
      const many = yield* Effect.flip(client.get(`${server.url}/1`))
      expect(many).toMatchObject({ _tag: "TooManyRedirectsError", max: 3 })
      expect(many._tag === "TooManyRedirectsError" && many.chain).toHaveLength(4)
      const invalid = yield* Effect.flip(client.get(`${server.url}/bad`))
      expect(invalid).toMatchObject({ _tag: "InvalidRedirectError", location: "ftp://example/" })
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("per request: more redirects, or none", () =>
    Effect.gen(function* () {
      const server = yield* hopping
      const client = yield* following({ max: 1 })
      const url = `${server.url}/301/302/303/done`
      expect(yield* Effect.flip(client.get(url))).toMatchObject({ _tag: "TooManyRedirectsError" })
      const more = yield* Redirects.withMax(client.get(url), 3)
      expect(more.status).toBe(200)
      const none = yield* Redirects.disabled(client.get(url))
      expect(none.status).toBe(301)
      expect(none.headers.location).toBe("/302/303/done")
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("a 3xx without Location, or one not followed, is the response", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make((seen) =>
        seen.url === "/300" ? { status: 300, headers: { location: "/x" } } : { status: 302 }
      )
      const client = yield* following()
      expect((yield* client.get(`${server.url}/300`)).status).toBe(300)
      expect((yield* client.get(`${server.url}/none`)).status).toBe(302)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("redirect bodies are read off, so one connection carries the whole chain", () =>
    Effect.gen(function* () {
      const server = yield* RecordingServer.make((seen) =>
        seen.url === "/done"
          ? { status: 200, body: "done" }
          : { status: 302, headers: { location: "/done" }, body: "moved ".repeat(1000) }
      )
      const client = yield* following()
      for (let i = 0; i < 3; i++)
        expect(yield* Effect.flatMap(client.get(`${server.url}/from`), (r) => r.text)).toBe("done")
      expect(server.seen).toHaveLength(6)
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )
})
