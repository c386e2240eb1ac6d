import { createHash } from "node:crypto"
import * as http from "node:http"
import type * as tls from "node:tls"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { HttpTestServer, TestCerts, Wait } from "@effect-requests/testing"
import { closed, connect, connectTls, json, readAll, request, write } from "./helpers.js"

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex")

/** Splits a chunked body as it was framed on the wire. */
const chunkSizes = (wire: string): ReadonlyArray<number> => {
  const sizes: Array<number> = []
  let rest = wire.slice(wire.indexOf("\r\n\r\n") + 4)
  for (;;) {
    const eol = rest.indexOf("\r\n")
    const size = Number.parseInt(rest.slice(0, eol), 16)
    sizes.push(size)
    if (size === 0) return sizes
    rest = rest.slice(eol + 2 + size + 2)
  }
}

describe("HttpTestServer", () => {
  describe("routes", () => {
    it.scoped("GET /bytes/:n answers n pattern bytes with Content-Length", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const reply = yield* request(`${server.url}/bytes/100`)
        expect(reply.status).toBe(200)
        expect(reply.headers["content-length"]).toBe("100")
        expect(reply.body.toString("latin1")).toBe("abcdefghijklmnopqrstuvwxyz".repeat(4).slice(0, 100))
        expect(reply.body.equals(HttpTestServer.bytes(100))).toBe(true)
      })
    )

    it.scoped("HEAD /bytes/:n answers the headers only", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const reply = yield* request(`${server.url}/bytes/100`, { method: "HEAD" })
        expect(reply.status).toBe(200)
        expect(reply.headers["content-length"]).toBe("100")
        expect(reply.body.length).toBe(0)
      })
    )

    it.scoped("POST /bytes/:n is refused, and a bad count is a 400", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const post = yield* request(`${server.url}/bytes/1`, { method: "POST", body: "x" })
        expect(post.status).toBe(405)
        expect(post.headers["allow"]).toBe("GET, HEAD")
        const bad = yield* request(`${server.url}/bytes/abc`)
        expect(bad.status).toBe(400)
      })
    )

    it.scoped("/chunked/:n?size=k frames n bytes in k-byte chunks", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const socket = yield* connect(server.port)
        yield* write(socket, "GET /chunked/2500?size=1000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        const wire = (yield* readAll(socket)).toString("latin1")
        expect(wire).toMatch(/\r\ntransfer-encoding: chunked\r\n/i)
        expect(wire).not.toMatch(/content-length/i)
        expect(chunkSizes(wire)).toEqual([1000, 1000, 500, 0])

        const reply = yield* request(`${server.url}/chunked/2500?size=1000`)
        expect(reply.body.equals(HttpTestServer.bytes(2500))).toBe(true)
      })
    )

    it.scoped("/chunked/0 is still chunked, and size defaults to 1024", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const empty = yield* connect(server.port)
        yield* write(empty, "GET /chunked/0 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        expect(chunkSizes((yield* readAll(empty)).toString("latin1"))).toEqual([0])

        const socket = yield* connect(server.port)
        yield* write(socket, "GET /chunked/2048 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        expect(chunkSizes((yield* readAll(socket)).toString("latin1"))).toEqual([1024, 1024, 0])
      })
    )

    it.scoped("/stream/:n streams n pattern bytes with Content-Length", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const n = 4 * 1024 * 1024 + 7
        const reply = yield* request(`${server.url}/stream/${n}`)
        expect(reply.headers["content-length"]).toBe(String(n))
        expect(reply.body.length).toBe(n)
        expect(sha256(reply.body)).toBe(sha256(HttpTestServer.bytes(n)))
      })
    )

    it.scoped("/echo describes the request it received", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const reply = yield* request(`${server.url}/echo?a=1`, {
          method: "PATCH",
          headers: { "X-Custom": "yes", "Content-Type": "text/plain" },
          body: "héllo"
        })
        expect(reply.headers["content-type"]).toBe("application/json")
        const echo = json(reply) as HttpTestServer.Echo
        expect(echo.method).toBe("PATCH")
        expect(echo.url).toBe("/echo?a=1")
        expect(echo.httpVersion).toBe("1.1")
        expect(echo.headers["x-custom"]).toBe("yes")
        expect(echo.rawHeaders).toContain("X-Custom")
        expect(echo.body).toBe("héllo")
      })
    )

    it.scoped("/upload counts and hashes the body it consumed", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const body = HttpTestServer.bytes(1024 * 1024 + 3, 5)
        const reply = yield* request(`${server.url}/upload`, { method: "PUT", body })
        expect(json(reply)).toEqual({ bytes: body.length, sha256: sha256(body) })

        const refused = yield* request(`${server.url}/upload`)
        expect(refused.status).toBe(405)
      })
    )

    it.scoped("/status/:code answers that status with an empty body", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const notFound = yield* request(`${server.url}/status/503`)
        expect(notFound.status).toBe(503)
        expect(notFound.headers["content-length"]).toBe("0")
        expect(notFound.body.length).toBe(0)

        const noContent = yield* request(`${server.url}/status/204`)
        expect(noContent.status).toBe(204)

        const redirect = yield* request(`${server.url}/status/302?location=%2Fbytes%2F1`)
        expect(redirect.status).toBe(302)
        expect(redirect.headers["location"]).toBe("/bytes/1")

        const informational = yield* request(`${server.url}/status/101`)
        expect(informational.status).toBe(400)
      })
    )

    it.scoped("/hang-body/:n sends the head and half the body, then closes", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const socket = yield* connect(server.port)
        yield* write(socket, "GET /hang-body/1000 HTTP/1.1\r\nHost: t\r\n\r\n")
        const wire = (yield* readAll(socket)).toString("latin1")
        const [head = "", body] = wire.split("\r\n\r\n")
        expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
        expect(head).toMatch(/\r\ncontent-length: 1000(\r\n|$)/i)
        expect(body).toBe(HttpTestServer.bytes(500).toString("latin1"))
        yield* closed(socket)

        const failure = yield* Effect.flip(request(`${server.url}/hang-body/1000`))
        expect(failure.message).toMatch(/aborted/)
      })
    )

    it.scoped("/set-cookie sends two Set-Cookie headers", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const reply = yield* request(`${server.url}/set-cookie`)
        expect(reply.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"])
      })
    )

    it.scoped("/delay-headers never answers, until the client closes", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const socket = yield* connect(server.port)
        let received = 0
        socket.on("data", (chunk: Buffer) => {
          received += chunk.length
        })
        yield* write(socket, "GET /delay-headers HTTP/1.1\r\nHost: t\r\n\r\n")
        yield* server.awaitRequests(1)
        socket.destroy()
        yield* server.awaitClosedConnections(1)
        expect(received).toBe(0)
      })
    )

    it.scoped("unknown paths are a 404", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const reply = yield* request(`${server.url}/nope`)
        expect(reply.status).toBe(404)
      })
    )
  })

  describe("counters", () => {
    it.scoped(
      "the await helpers give up in real time, under the TestClock, saying what they saw",
      () =>
        Effect.gen(function* () {
          const server = yield* HttpTestServer.make()
          const socket = yield* connect(server.port)
          socket.destroy()
          yield* server.awaitClosedConnections(1)
          const options = { timeoutMillis: 20 }
          const requests = yield* Effect.flip(server.awaitRequests(1, options))
          expect(requests).toBeInstanceOf(Wait.WaitTimeout)
          expect(requests.message).toBe("awaitRequests: wanted 1 request, saw 0 after 20 ms")
          expect((yield* Effect.flip(server.awaitClosedConnections(3, options))).message).toBe(
            "awaitClosedConnections: wanted 3 closed connections, saw 1 after 20 ms"
          )
        }),
      10_000
    )

    it.scoped("counts X-Request-Id values and requests, with any handler", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ handler: (_req, res) => res.end("ok") })
        yield* request(server.url, { headers: { "X-Request-Id": "a" } })
        yield* request(server.url, { headers: { "X-Request-Id": "a" } })
        yield* request(server.url, { headers: { "X-Request-Id": "b" } })
        yield* request(server.url)
        yield* server.awaitRequests(4)
        expect(server.stats.requests).toBe(4)
        expect([...server.requestIds]).toEqual([
          ["a", 2],
          ["b", 1]
        ])
      })
    )

    it.scoped("tracks open, closed and peak connections", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const first = yield* connect(server.port)
        const second = yield* connect(server.port)
        yield* write(first, "GET /delay-headers HTTP/1.1\r\nHost: t\r\n\r\n")
        yield* write(second, "GET /delay-headers HTTP/1.1\r\nHost: t\r\n\r\n")
        yield* server.awaitRequests(2)
        expect(server.stats).toMatchObject({
          connectionsOpened: 2,
          openConnections: 2,
          peakOpenConnections: 2
        })

        first.destroy()
        yield* server.awaitClosedConnections(1)
        expect(server.stats.openConnections).toBe(1)
        second.destroy()
        yield* server.awaitClosedConnections(2)
        expect(server.closedConnections).toBe(2)
        expect(server.stats).toMatchObject({
          connectionsOpened: 2,
          openConnections: 0,
          peakOpenConnections: 2
        })
      })
    )

    it.scoped("idle keep-alive connections are closed after keepAliveTimeout", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ keepAliveTimeout: 1 })
        const agent = yield* Effect.acquireRelease(
          Effect.sync(() => new http.Agent({ keepAlive: true, maxSockets: 1 })),
          (agent) => Effect.sync(() => agent.destroy())
        )
        yield* request(`${server.url}/bytes/1`, { agent })
        yield* server.awaitClosedConnections(1)
        expect(server.stats.openConnections).toBe(0)
      })
    )

    it.scoped("a throwing handler destroys the socket and is recorded", () =>
      Effect.gen(function* () {
        const boom = new Error("boom")
        const server = yield* HttpTestServer.make({
          handler: () => {
            throw boom
          }
        })
        const failure = yield* Effect.flip(request(server.url))
        expect(failure.message).toMatch(/socket hang up/)
        expect(server.lastHandlerError).toEqual(Option.some(boom))
      })
    )
  })

  describe("scope", () => {
    it.scoped("closing the scope destroys idle and busy connections", () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const server = yield* HttpTestServer.make().pipe(Scope.extend(scope))
        const idle = yield* connect(server.port)
        const busy = yield* connect(server.port)
        yield* write(idle, "GET /bytes/1 HTTP/1.1\r\nHost: t\r\n\r\n")
        yield* write(busy, "GET /delay-headers HTTP/1.1\r\nHost: t\r\n\r\n")
        yield* server.awaitRequests(2)

        yield* Scope.close(scope, Exit.void)
        expect(server.stats.openConnections).toBe(0)
        expect(server.closedConnections).toBe(2)
        yield* closed(idle)
        yield* closed(busy)

        const refused = yield* Effect.flip(request(server.url))
        expect(refused.message).toMatch(/ECONNREFUSED/)
      })
    )

    it.scoped("closing the scope destroys TLS connections", () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const server = yield* HttpTestServer.make({ tls: true }).pipe(Scope.extend(scope))
        const socket = yield* connectTls(server.port, { ca: TestCerts.ca, servername: "localhost" })
        yield* write(socket, "GET /delay-headers HTTP/1.1\r\nHost: t\r\n\r\n")
        yield* server.awaitRequests(1)

        yield* Scope.close(scope, Exit.void)
        expect(server.stats.openConnections).toBe(0)
        yield* closed(socket)
      })
    )
  })

  describe("tls", () => {
    it.scoped("serves HTTPS with the test leaf by default", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: true })
        expect(server.url).toBe(`https://127.0.0.1:${server.port}`)
        const reply = yield* request(`${server.url}/bytes/3`, { ca: TestCerts.ca, servername: "a.test" })
        expect(reply.body.toString()).toBe("abc")
      })
    )

    it.scoped("refuses a client that trusts another CA", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: true })
        const failure = yield* Effect.flip(request(`${server.url}/bytes/3`, { ca: TestCerts.otherCa }))
        expect(failure).toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
      })
    )

    it.scoped("mutual TLS accepts the test client certificate only", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({
          tls: { requestCert: true },
          handler: (req, res) => {
            const socket = req.socket as tls.TLSSocket
            res.end(String(socket.getPeerCertificate().subject.CN))
          }
        })
        const options = { ca: TestCerts.ca, servername: "localhost" }
        const reply = yield* request(server.url, { ...options, ...TestCerts.client })
        expect(reply.body.toString()).toBe("effect-requests test client")

        const anonymous = yield* Effect.flip(request(server.url, options))
        expect(anonymous).toBeInstanceOf(Error)
        const stranger = yield* Effect.flip(request(server.url, { ...options, ...TestCerts.otherClient }))
        expect(stranger).toBeInstanceOf(Error)
        expect(server.stats.requests).toBe(1)
      })
    )

    it.scoped("serves the certificate it is given", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: TestCerts.leafAOnly })
        const ok = yield* request(`${server.url}/bytes/1`, { ca: TestCerts.ca, servername: "a.test" })
        expect(ok.status).toBe(200)
        const mismatch = yield* Effect.flip(
          request(`${server.url}/bytes/1`, { ca: TestCerts.ca, servername: "b.test" })
        )
        expect(mismatch).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" })
      })
    )
  })
})
