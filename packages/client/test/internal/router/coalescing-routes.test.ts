import { createHash, X509Certificate } from "node:crypto"
import type * as http2 from "node:http2"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, Requests } from "@effect-requests/client"
import { Http2TestServer, TestCerts } from "@effect-requests/testing"
import { Effect } from "effect"
import { connectProxy } from "../transport/connect-proxy.js"

const lookup = Dialer.staticLookup({ "a.test": "127.0.0.1", "b.test": "127.0.0.1" })

const text = (url: string) => Effect.flatMap(HttpClient.get(url), (r) => r.text)

const authorityEcho = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
  stream.respond({ ":status": 200 })
  stream.end(String(headers[":authority"]))
}

const leafPin = createHash("sha256")
  .update(new X509Certificate(TestCerts.leaf.cert).publicKey.export({ type: "spki", format: "der" }))
  .digest("base64")

describe("coalescing and pins", () => {
  it.scoped(
    "a host whose pins the connection's key does not match never rides it, and fails on its own",
    () =>
      Effect.gen(function* () {
        const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
        const program = Effect.gen(function* () {
          expect(yield* text(`https://a.test:${server.port}/`)).toBe(`a.test:${server.port}`)
          return yield* Effect.flip(text(`https://b.test:${server.port}/`))
        })
        const refused = yield* program.pipe(
          Effect.provide(
            Requests.layer({
              lookup,
              tls: { ca: TestCerts.ca, pins: { "a.test": [leafPin], "b.test": ["sha256/bm90LXRoaXMta2V5"] } }
            })
          )
        )
        expect(refused).toMatchObject({ cause: { _tag: "TlsError", code: "ERR_PIN_MISMATCH" } })
        expect(server.stats.connectionsOpened).toBe(2)
      })
  )

  it.scoped("with matching pins, coalescing still happens", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      yield* Effect.gen(function* () {
        yield* text(`https://a.test:${server.port}/`)
        expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
      }).pipe(
        Effect.provide(
          Requests.layer({
            lookup,
            tls: { ca: TestCerts.ca, pins: { "a.test": [leafPin], "b.test": [leafPin] } }
          })
        )
      )
      expect(server.stats.connectionsOpened).toBe(1)
    })
  )

  it.scoped("never across a proxy: each origin gets its own tunnel", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true, handler: authorityEcho })
      const proxy = yield* connectProxy("tunnel")
      yield* Effect.gen(function* () {
        yield* text(`https://a.test:${server.port}/`)
        expect(yield* text(`https://b.test:${server.port}/`)).toBe(`b.test:${server.port}`)
      }).pipe(
        Effect.provide(
          Requests.layer({ lookup, tls: { ca: TestCerts.ca }, proxy: `http://127.0.0.1:${proxy.port}` })
        )
      )
      expect(server.stats.connectionsOpened).toBe(2)
      expect(proxy.heads.map((head) => head.split("\r\n")[0])).toEqual([
        `CONNECT a.test:${server.port} HTTP/1.1`,
        `CONNECT b.test:${server.port} HTTP/1.1`
      ])
    })
  )
})
