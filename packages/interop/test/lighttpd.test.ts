import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, type Events } from "@effect-requests/client"
import * as Effect from "effect/Effect"
import type { AccessLogEntry } from "../src/apache.js"
import { requireServer, suiteTitle } from "../src/binaries.js"
import * as Lighttpd from "../src/lighttpd.js"
import { stats, withClient } from "./helpers.js"

const lighttpd = requireServer("lighttpd", "lighttpd")

const host = "a.test"
const lookup = Dialer.staticLookup({ [host]: "127.0.0.1" })
const user = { username: "ada", password: "engine" }
const site = { "private/doc.txt": "behind digest\n" }

/** The parameters of a logged `Authorization: Digest ...` that the test checks. */
const digestParams = (entry: AccessLogEntry) => {
  const value = entry.authorization ?? ""
  expect(value.startsWith("Digest ")).toBe(true)
  const pick = (name: string) => new RegExp(`[ ,]${name}="?([^",]+)"?`).exec(value)?.[1]
  return [pick("nc"), pick("algorithm"), pick("realm"), pick("qop")]
}

/**
 * Three GETs of a document behind Digest: one 401 answered, then answers up
 * front with the nonce count going 1, 2, 3, in the algorithm expected.
 */
const threeAuthenticated = (algorithms: ReadonlyArray<Lighttpd.Algorithm>, expected: Lighttpd.Algorithm) =>
  Effect.gen(function* () {
    const server = yield* Lighttpd.make({ user, site, algorithms })
    const origin = `http://${host}:${server.port}`
    const events: Array<Events.RequestsEvent> = []
    const figures = yield* withClient(
      {
        lookup,
        credentials: { [origin]: user },
        events: (event) => {
          if (event._tag === "Authenticated") events.push(event)
        }
      },
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
    expect(log.slice(1).map(digestParams)).toEqual([
      ["00000001", expected, server.realm, "auth"],
      ["00000002", expected, server.realm, "auth"],
      ["00000003", expected, server.realm, "auth"]
    ])
    expect(events).toMatchObject([{ _tag: "Authenticated", scheme: "Digest", stale: false }])
    expect(figures.batteries.authenticated).toBe(1)
    expect(figures.requestsMade).toBe(4)
  })

describe.skipIf(lighttpd.path === undefined)(
  suiteTitle(lighttpd, "batteries against lighttpd mod_auth (Digest, RFC 7616)"),
  () => {
    it.scopedLive("Digest SHA-256: one 401, then answered up front with a growing nonce count", () =>
      threeAuthenticated(["SHA-256"], "SHA-256")
    )

    it.scopedLive("Digest MD5: one 401, then answered up front with a growing nonce count", () =>
      threeAuthenticated(["MD5"], "MD5")
    )

    it.scopedLive("Digest SHA-512-256: one 401, then answered up front with a growing nonce count", () =>
      threeAuthenticated(["SHA-512-256"], "SHA-512-256")
    )

    it.scopedLive("offered SHA-256 and MD5 in two challenges, the client answers SHA-256", () =>
      threeAuthenticated(["MD5", "SHA-256"], "SHA-256")
    )

    it.scopedLive("Digest SHA-256 with the wrong password: the 401 is the response", () =>
      Effect.gen(function* () {
        const server = yield* Lighttpd.make({ user, site, algorithms: ["SHA-256"] })
        const origin = `http://${host}:${server.port}`
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
        // A fresh nonce with each 401 earns one more answer; the client stops there (three requests at most).
        expect(made).toBeGreaterThanOrEqual(2)
        expect(made).toBeLessThanOrEqual(3)
        expect(log.map((entry) => [entry.status, entry.authorization !== undefined])).toEqual([
          [401, false],
          ...Array.from({ length: made - 1 }, () => [401, true])
        ])
        expect(log.slice(1).map((entry) => digestParams(entry)[1])).toEqual(
          Array.from({ length: made - 1 }, () => "SHA-256")
        )
      })
    )
  }
)
