import { createHash, createPublicKey, X509Certificate } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { HttpClient } from "@effect/platform"
import { Dialer, Endpoint, type Events, Requests } from "@effect-requests/client"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Effect, Exit, Scope } from "effect"
import { parseProxy } from "../../../src/internal/transport/proxy-config.js"
import { make as makeDialer } from "../../../src/internal/transport/dialer.js"
import { Observer } from "../../../src/internal/observe/observer.js"
import { connectProxy } from "./connect-proxy.js"
import { socksStub } from "./socks-stub.js"

const spki = (pem: string) =>
  createHash("sha256")
    .update(createPublicKey(pem).export({ type: "spki", format: "der" }))
    .digest("base64")

const dialThrough = (proxyPort: number, target: Endpoint.Endpoint, options: Dialer.DialerOptions = {}) =>
  Effect.flatMap(Scope.make(), (scope) =>
    Dialer.make({ tls: { ca: TestCerts.ca }, ...options })
      .dial(Endpoint.viaProxy(target, parseProxy(`http://user:pw@127.0.0.1:${proxyPort}`), true))
      .pipe(Scope.extend(scope), Effect.ensuring(Scope.close(scope, Exit.void)))
  )

describe("Dialer through an HTTP proxy", () => {
  it.scoped("opens a CONNECT tunnel with Basic credentials, then TLS to the origin inside it", () =>
    Effect.gen(function* () {
      const origin = yield* HttpTestServer.make({ tls: true })
      const proxy = yield* connectProxy("tunnel")
      const events: Array<Events.RequestsEvent> = []
      const observer = new Observer(
        (event) => events.push(event),
        () => 0
      )
      const scope = yield* Scope.make()
      const dialed = yield* makeDialer({ tls: { ca: TestCerts.ca } }, observer)
        .dial(
          Endpoint.viaProxy(
            Endpoint.make("https", "localhost", origin.port),
            parseProxy(`http://user:pw@127.0.0.1:${proxy.port}`),
            true
          )
        )
        .pipe(Scope.extend(scope))
      expect(dialed.alpnProtocol).toBe("http/1.1")
      expect(proxy.heads[0]).toBe(
        `CONNECT localhost:${origin.port} HTTP/1.1\r\nhost: localhost:${origin.port}\r\n` +
          `proxy-authorization: Basic ${Buffer.from("user:pw").toString("base64")}`
      )
      expect(events.map((e) => e._tag)).toEqual(["Connected", "ProxyConnected", "TlsHandshake"])
      expect(events[1]).toMatchObject({ mode: "connect", proxy: `http://user@127.0.0.1:${proxy.port}` })
      yield* Scope.close(scope, Exit.void)
    })
  )

  it.scoped.each([403, 407, 502])("a CONNECT answered %i is a ProxyError carrying the status", (status) =>
    Effect.gen(function* () {
      const proxy = yield* connectProxy(status)
      const error = yield* Effect.flip(dialThrough(proxy.port, Endpoint.make("https", "localhost", 443)))
      expect(error._tag).toBe("ProxyError")
      expect(error).toMatchObject({ status, phase: "proxy", proxy: `http://user@127.0.0.1:${proxy.port}` })
    })
  )

  it.scoped("a proxy that closes mid-handshake is a ClosedError in phase proxy", () =>
    Effect.gen(function* () {
      const proxy = yield* connectProxy("close")
      const error = yield* Effect.flip(dialThrough(proxy.port, Endpoint.make("https", "localhost", 443)))
      expect(error._tag).toBe("ClosedError")
      expect(error.phase).toBe("proxy")
    })
  )

  it.scoped("pins are checked inside the tunnel: a wrong one is a TlsError naming the pins", () =>
    Effect.gen(function* () {
      const origin = yield* HttpTestServer.make({ tls: true })
      const proxy = yield* connectProxy("tunnel")
      const target = Endpoint.make("https", "localhost", origin.port)
      const right = spki(TestCerts.leaf.cert)
      yield* dialThrough(proxy.port, target, {
        tls: { ca: TestCerts.ca, pins: { localhost: [`sha256/${right}`] } }
      })
      const wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
      const error = yield* Effect.flip(
        dialThrough(proxy.port, target, { tls: { ca: TestCerts.ca, pins: { localhost: [wrong] } } })
      )
      expect(error._tag).toBe("TlsError")
      if (error._tag === "TlsError") {
        expect(error.code).toBe("ERR_PIN_MISMATCH")
        expect(error.pins).toEqual({ expected: [wrong], presented: right })
        expect(error.message).toContain(`sha256/${wrong}`)
      }
    })
  )
})

describe("Requests through an HTTP proxy", () => {
  it.scopedLive('with protocol "h2c", plain-http origins are reached through a CONNECT tunnel', () =>
    Effect.gen(function* () {
      const origin = yield* Http2TestServer.make({
        handler: (stream, headers) => {
          stream.respond({ ":status": 200 })
          stream.end(String(headers[":authority"]))
        }
      })
      const proxy = yield* connectProxy("tunnel")
      const bodies = yield* Effect.forEach(["/1", "/2", "/3"], (path) =>
        Effect.flatMap(HttpClient.get(`http://h2c.test:${origin.port}${path}`), (r) => r.text)
      ).pipe(Effect.provide(Requests.layer({ protocol: "h2c", proxy: `http://127.0.0.1:${proxy.port}` })))
      expect(bodies).toEqual([1, 2, 3].map(() => `h2c.test:${origin.port}`))
      expect(proxy.heads.map((head) => head.split("\r\n")[0])).toEqual([
        `CONNECT h2c.test:${origin.port} HTTP/1.1`
      ])
      expect(origin.stats.connectionsOpened).toBe(1)
    })
  )
})

describe("an https:// proxy", () => {
  it.scopedLive("TLS to the proxy, a CONNECT tunnel inside, and TLS to the origin inside that", () =>
    Effect.gen(function* () {
      const origin = yield* HttpTestServer.make({ tls: true })
      const proxy = yield* connectProxy("tunnel", true)
      const events: Array<Events.RequestsEvent> = []
      const status = yield* Effect.flatMap(HttpClient.get(`https://localhost:${origin.port}/bytes/1`), (r) =>
        Effect.as(r.text, r.status)
      ).pipe(
        Effect.provide(
          Requests.layer({
            tls: { ca: TestCerts.ca },
            proxy: `https://localhost:${proxy.port}`,
            events: (event) => events.push(event)
          })
        )
      )
      expect(status).toBe(200)
      expect(proxy.heads.map((head) => head.split("\r\n")[0])).toEqual([
        `CONNECT localhost:${origin.port} HTTP/1.1`
      ])
      expect(events.filter((e) => e._tag === "ProxyConnected")).toHaveLength(1)
    })
  )
})

describe("Dialer through a SOCKS5 proxy", () => {
  const dialSocks = (proxy: string) =>
    Effect.scoped(
      Dialer.make().dial(Endpoint.viaProxy(Endpoint.make("http", "origin.test", 80), parseProxy(proxy), true))
    )

  it.scoped("sends the URL's username and password (RFC 1929)", () =>
    Effect.gen(function* () {
      const stub = yield* socksStub()
      yield* dialSocks(`socks5h://user:pw@127.0.0.1:${stub.port}`)
      expect(stub.credentials).toEqual(["user:pw"])
    })
  )

  it.scoped("refused credentials are a ProxyError named AuthenticationFailed", () =>
    Effect.gen(function* () {
      const stub = yield* socksStub()
      const error = yield* Effect.flip(dialSocks(`socks5h://user:wrong@127.0.0.1:${stub.port}`))
      expect(error).toMatchObject({ _tag: "ProxyError", reason: "AuthenticationFailed", status: undefined })
      expect(stub.credentials).toEqual(["user:wrong"])
    })
  )

  it.scoped.each(["greeting", "authentication", "connect"] as const)(
    "a SOCKS5 proxy that hangs up at its %s is a ClosedError in phase proxy",
    (closeAt) =>
      Effect.gen(function* () {
        const stub = yield* socksStub({ closeAt })
        const error = yield* Effect.flip(dialSocks(`socks5h://user:pw@127.0.0.1:${stub.port}`))
        expect(error).toMatchObject({
          _tag: "ClosedError",
          phase: "proxy",
          endpoint: `http://origin.test:80 via socks5h://user@127.0.0.1:${stub.port}`
        })
        expect(stub.credentials).toEqual(
          closeAt === "greeting" || closeAt === "authentication" ? [] : ["user:pw"]
        )
      })
  )

  it.scoped("socks4a:// sends the user id and leaves the name to the proxy", () =>
    Effect.gen(function* () {
      const stub = yield* socksStub()
      yield* dialSocks(`socks4a://ada@127.0.0.1:${stub.port}`)
      expect(stub.credentials).toEqual(["ada"])
      expect(stub.destinations).toEqual(["origin.test:80"])
    })
  )

  it.scoped("a SOCKS4a request refused by the proxy (reply 91) is a ProxyError named Failed", () =>
    Effect.gen(function* () {
      const stub = yield* socksStub({ reject: true })
      const error = yield* Effect.flip(dialSocks(`socks4a://127.0.0.1:${stub.port}`))
      expect(error).toMatchObject({ _tag: "ProxyError", reason: "Failed", status: undefined, phase: "proxy" })
    })
  )

  it.scoped("a SOCKS4a proxy that hangs up before answering is a ClosedError in phase proxy", () =>
    Effect.gen(function* () {
      const stub = yield* socksStub({ closeAt: "connect" })
      const error = yield* Effect.flip(dialSocks(`socks4a://127.0.0.1:${stub.port}`))
      expect(error).toMatchObject({ _tag: "ClosedError", phase: "proxy" })
    })
  )
})

describe("tls.checkServerIdentity", () => {
  it.scoped("replaces the host name check: its Error refuses the certificate", () =>
    Effect.gen(function* () {
      const origin = yield* HttpTestServer.make({ tls: true })
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Effect.scoped(
          Dialer.make({
            tls: {
              ca: TestCerts.ca,
              checkServerIdentity: (host, certificate) => {
                seen.push(`${host} ${certificate.subject.CN}`)
                return new Error("not this one")
              }
            }
          }).dial(Endpoint.make("https", "localhost", origin.port))
        )
      )
      expect(error._tag).toBe("TlsError")
      expect(seen).toEqual([
        `localhost ${new X509Certificate(TestCerts.leaf.cert).subject.split("CN=")[1]?.split("\n")[0]}`
      ])
    })
  )
})

describe("Endpoint routes", () => {
  it("two proxies, or a proxy and a socket, never share a key", () => {
    const origin = Endpoint.make("https", "a.test", 443)
    const keys = new Set([
      origin.key,
      Endpoint.viaProxy(origin, parseProxy("http://p1:3128"), true).key,
      Endpoint.viaProxy(origin, parseProxy("http://p2:3128"), true).key,
      Endpoint.viaProxy(origin, parseProxy("http://alice@p1:3128"), true).key,
      Endpoint.viaSocket(origin, "/run/a.sock").key
    ])
    expect(keys.size).toBe(5)
  })
})
