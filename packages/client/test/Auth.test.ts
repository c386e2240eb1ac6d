import { createHash } from "node:crypto"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Auth from "../src/Auth.js"
import type { BatteryEvent } from "../src/Auth.js"
import * as Redirects from "../src/Redirects.js"
import { parseChallenges } from "../src/internal/batteries/www-authenticate.js"
import * as RecordingServer from "./internal/batteries/recording-server.js"
import type { Answer, Seen } from "./internal/batteries/recording-server.js"

const user = { username: "ada", password: "analytical engine" }
const hashName = (algorithm: string) => (algorithm.toUpperCase().startsWith("SHA-256") ? "sha256" : "md5")

/**
 * A server guarding everything with Digest: checks each answer on its own,
 * wants a growing nonce count, and calls a nonce stale after `usesPerNonce`.
 */
const digestServer = (algorithm: string, usesPerNonce = Number.POSITIVE_INFINITY) => {
  let issued = 0
  const counts = new Map<string, number>()
  const accepted: Array<{ nonce: string; nc: string }> = []
  const challenge = (stale: boolean): Answer => {
    const nonce = `nonce-${++issued}`
    counts.set(nonce, 0)
    return {
      status: 401,
      headers: {
        "www-authenticate": `Basic realm="fallback", Digest realm="vault", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="op"${stale ? ", stale=true" : ""}`
      },
      body: "who are you"
    }
  }
  const route = (seen: Seen): Answer => {
    const value = seen.headers.authorization
    if (value === undefined || !value.startsWith("Digest ")) return challenge(false)
    const p = parseChallenges(value)[0]!.params
    const get = (name: string) => p.get(name) ?? ""
    const h = (data: string) => createHash(hashName(algorithm)).update(data).digest("hex")
    let ha1 = h(`${user.username}:vault:${user.password}`)
    if (algorithm.toLowerCase().endsWith("-sess")) ha1 = h(`${ha1}:${get("nonce")}:${get("cnonce")}`)
    const expected = h(
      `${ha1}:${get("nonce")}:${get("nc")}:${get("cnonce")}:auth:${h(`${seen.method}:${get("uri")}`)}`
    )
    const used = counts.get(get("nonce"))
    const nc = parseInt(get("nc"), 16)
    if (get("response") !== expected || get("uri") !== seen.url || get("opaque") !== "op")
      return challenge(false)
    if (used === undefined || nc <= used) return challenge(false)
    if (used >= usesPerNonce) return challenge(true)
    counts.set(get("nonce"), nc)
    accepted.push({ nonce: get("nonce"), nc: get("nc") })
    return { status: 200, body: `hello ${get("username")} ${seen.body}` }
  }
  return Effect.map(RecordingServer.make(route), (server) => Object.assign(server, { accepted }))
}

const authed = (origin: string, events?: (event: BatteryEvent) => void) =>
  Effect.map(
    HttpClient.HttpClient,
    Auth.auth({ credentials: { [origin]: user }, ...(events === undefined ? {} : { events }) })
  )

describe("Auth", () => {
  for (const algorithm of ["MD5", "SHA-256", "MD5-sess", "SHA-256-sess"]) {
    it.scoped(`answers a Digest ${algorithm} challenge, then answers up front with a growing count`, () =>
      Effect.gen(function* () {
        const server = yield* digestServer(algorithm)
        const events: Array<BatteryEvent> = []
        const client = yield* authed(server.url, (event) => events.push(event))
        const first = yield* client.get(`${server.url}/secret?x=1`)
        expect(yield* first.text).toBe("hello ada ")
        const post = HttpClientRequest.post(`${server.url}/secret`).pipe(HttpClientRequest.bodyText("body"))
        expect(yield* Effect.flatMap(client.execute(post), (r) => r.text)).toBe("hello ada body")
        expect(server.accepted).toEqual([
          { nonce: "nonce-1", nc: "00000001" },
          { nonce: "nonce-1", nc: "00000002" }
        ])
        // One 401, then straight through.
        expect(server.seen.map((seen) => seen.headers.authorization === undefined)).toEqual([
          true,
          false,
          false
        ])
        expect(events).toEqual([
          {
            _tag: "Authenticated",
            endpoint: server.url,
            url: `${server.url}/secret?x=1`,
            scheme: "Digest",
            stale: false
          }
        ])
      }).pipe(Effect.provide(Requests.layer({ batteries: false })))
    )
  }

  it.scoped("a stale nonce is answered again with the new one; wrong credentials get the 401", () =>
    Effect.gen(function* () {
      const server = yield* digestServer("SHA-256", 1)
      const events: Array<BatteryEvent> = []
      const client = yield* authed(server.url, (event) => events.push(event))
      expect((yield* client.get(`${server.url}/a`)).status).toBe(200)
      expect((yield* client.get(`${server.url}/b`)).status).toBe(200)
      expect(server.accepted.map((a) => a.nonce)).toEqual(["nonce-1", "nonce-2"])
      expect(events.map((event) => event._tag === "Authenticated" && event.stale)).toEqual([false, true])
      const wrong = (yield* HttpClient.HttpClient).pipe(
        Auth.auth({ credentials: { [server.url]: { username: "ada", password: "nope" } } })
      )
      const before = server.seen.length
      const refused = yield* wrong.get(`${server.url}/c`)
      expect(refused.status).toBe(401)
      // Each refusal came with a fresh nonce: two answers, then the 401 is the response.
      expect(server.seen.length - before).toBe(3)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("Basic goes up front over https only", () =>
    Effect.gen(function* () {
      const guarded = (seen: Seen): Answer =>
        seen.headers.authorization === `Basic ${Buffer.from("ada:analytical engine").toString("base64")}`
          ? { status: 200 }
          : { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }
      const secure = yield* RecordingServer.make(guarded, { tls: true })
      const plain = yield* RecordingServer.make(guarded)
      const secureUrl = `https://localhost:${secure.port}`
      const client = (yield* HttpClient.HttpClient).pipe(
        Auth.auth({ credentials: { [secureUrl]: user, [plain.url]: user } })
      )
      expect((yield* client.get(`${secureUrl}/x`)).status).toBe(200)
      expect(secure.seen).toHaveLength(1)
      expect((yield* client.get(`${plain.url}/x`)).status).toBe(401)
      expect(plain.seen.map((seen) => seen.headers.authorization)).toEqual([undefined])
      expect((yield* Auth.disabled(client.get(`${secureUrl}/x`))).status).toBe(401)
      // A request with its own Authorization is left alone.
      expect((yield* client.get(`${secureUrl}/x`, { headers: { authorization: "Bearer t" } })).status).toBe(
        401
      )
    }).pipe(Effect.provide(Requests.layer({ batteries: false, tls: { ca: TestCerts.ca } })))
  )

  it.scoped("credentials never follow a redirect to another origin", () =>
    Effect.gen(function* () {
      const other = yield* RecordingServer.make(() => ({ status: 200 }), { tls: true })
      const home = yield* RecordingServer.make(
        () => ({ status: 302, headers: { location: `https://localhost:${other.port}/landing` } }),
        { tls: true }
      )
      const homeUrl = `https://localhost:${home.port}`
      const client = (yield* HttpClient.HttpClient).pipe(
        Auth.auth({ credentials: { [homeUrl]: user } }),
        Redirects.redirects()
      )
      expect((yield* client.get(`${homeUrl}/start`)).status).toBe(200)
      expect(home.seen[0]!.headers.authorization).toMatch(/^Basic /)
      expect(other.seen[0]!.headers.authorization).toBeUndefined()
    }).pipe(Effect.provide(Requests.layer({ batteries: false, tls: { ca: TestCerts.ca } })))
  )

  it.scoped("a streamed body cannot answer a challenge", () =>
    Effect.gen(function* () {
      const server = yield* digestServer("MD5")
      const client = yield* authed(server.url)
      const request = HttpClientRequest.post(`${server.url}/upload`).pipe(
        HttpClientRequest.setBody(HttpBody.stream(Stream.make(new TextEncoder().encode("data"))))
      )
      const error = yield* Effect.flip(client.execute(request))
      expect(error).toMatchObject({ _tag: "AuthBodyError", method: "POST", url: `${server.url}/upload` })
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )
})
