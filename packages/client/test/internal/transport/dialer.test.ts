import * as net from "node:net"
import * as tls from "node:tls"
import { describe, expect, it } from "@effect/vitest"
import { Dialer, Endpoint } from "@effect-requests/client"
import { HttpTestServer, RawServer, TestCerts } from "@effect-requests/testing"
import { Deferred, Effect, Exit, Fiber, Scope, TestClock } from "effect"
import { awaitTimer } from "../../helpers.js"

const dialOnce = (options: Dialer.DialerOptions, endpoint: Endpoint.Endpoint) =>
  Effect.flatMap(Scope.make(), (scope) =>
    Dialer.make(options)
      .dial(endpoint)
      .pipe(
        Scope.extend(scope),
        Effect.map((dialed) => ({ dialed, scope }))
      )
  )

/** A port with nothing listening: bound, then closed again. */
const closedPort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("Dialer", () => {
  it.scoped("connects over TLS with a custom CA and reports what was negotiated", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const endpoint = Endpoint.make("https", "localhost", server.port)
      const { dialed, scope } = yield* dialOnce({ tls: { ca: TestCerts.ca } }, endpoint)
      expect(dialed.alpnProtocol).toBe("http/1.1")
      expect(dialed.tlsVersion).toBe("TLSv1.3")
      expect(dialed.remoteAddress).toBe("127.0.0.1")
      yield* Scope.close(scope, Exit.void)
      expect(dialed.socket.destroyed).toBe(true)
    })
  )

  it.scoped("names the endpoint when the server's certificate is not trusted", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const endpoint = Endpoint.make("https", "localhost", server.port)
      const error = yield* Effect.flip(dialOnce({ tls: { ca: TestCerts.otherCa } }, endpoint))
      expect(error._tag).toBe("TlsError")
      expect(error.endpoint).toBe(`https://localhost:${server.port}`)
      // The rejected handshake must not leave the TCP connection open.
      yield* server.awaitClosedConnections(1)
    })
  )

  it.scoped("verifies the host name against the certificate", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: { ...TestCerts.leafAOnly } })
      const lookup = Dialer.staticLookup({ "b.test": "127.0.0.1", "a.test": "127.0.0.1" })
      const ok = yield* dialOnce(
        { tls: { ca: TestCerts.ca }, lookup },
        Endpoint.make("https", "a.test", server.port)
      )
      yield* Scope.close(ok.scope, Exit.void)
      const error = yield* Effect.flip(
        dialOnce({ tls: { ca: TestCerts.ca }, lookup }, Endpoint.make("https", "b.test", server.port))
      )
      expect(error._tag).toBe("TlsError")
    })
  )

  it.effect("fails a refused connection with a ConnectError", () =>
    Effect.gen(function* () {
      const port = yield* closedPort
      const error = yield* Effect.flip(dialOnce({}, Endpoint.make("http", "127.0.0.1", port)))
      expect(error._tag).toBe("ConnectError")
      if (error._tag === "ConnectError") {
        expect(error.code).toBe("ECONNREFUSED")
        expect(error.phase).toBe("connect")
      }
    })
  )

  it.effect("fails a connection that never completes within connectTimeout", () =>
    Effect.gen(function* () {
      const lookupCalled = yield* Deferred.make<void>()
      // A resolver that never answers stands in for a blackholed network.
      const lookup: Dialer.Lookup = () => {
        Deferred.unsafeDone(lookupCalled, Exit.void)
      }
      const fiber = yield* Effect.fork(
        dialOnce({ connectTimeout: "3 seconds", lookup }, Endpoint.make("http", "blackhole.test", 80))
      )
      yield* Deferred.await(lookupCalled)
      yield* awaitTimer("3 seconds")
      yield* TestClock.adjust("3 seconds")
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({ _tag: "TimeoutError", phase: "connect", timeoutMillis: 3000 })
    })
  )

  it.scoped("fails a handshake the server never answers within tlsHandshakeTimeout", () =>
    Effect.gen(function* () {
      const accepted = yield* Deferred.make<void>()
      // Accepts TCP, then says nothing: the ClientHello goes unanswered.
      const server = yield* RawServer.make((conn) =>
        Effect.zipRight(Deferred.succeed(accepted, undefined), conn.closed)
      )
      const fiber = yield* Effect.fork(
        dialOnce(
          { tlsHandshakeTimeout: "2 seconds", tls: { ca: TestCerts.ca } },
          Endpoint.make("https", "127.0.0.1", server.port)
        )
      )
      yield* Deferred.await(accepted)
      yield* awaitTimer("2 seconds")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({ _tag: "TimeoutError", phase: "tls", timeoutMillis: 2000 })
      // The half-made connection is closed, not left to the server to time out.
      yield* server.awaitClosedConnections(1)
    })
  )

  it.scoped("resumes the TLS session on the next connection to the same origin", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const dialer = Dialer.make({ tls: { ca: TestCerts.ca } })
      const endpoint = Endpoint.make("https", "localhost", server.port)
      const first = yield* Effect.scoped(
        Effect.gen(function* () {
          const d = yield* dialer.dial(endpoint)
          // TLS 1.3 tickets arrive after the handshake; reading one round trip makes sure it did.
          yield* Effect.async<void>((resume) => {
            d.socket.write("GET /bytes/1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
            d.socket.once("data", () => resume(Effect.void))
          })
          return d.socket instanceof tls.TLSSocket && d.socket.isSessionReused()
        })
      )
      const second = yield* Effect.scoped(
        Effect.map(
          dialer.dial(endpoint),
          (d) => d.socket instanceof tls.TLSSocket && d.socket.isSessionReused()
        )
      )
      expect(first).toBe(false)
      expect(second).toBe(true)
    })
  )

  it.scoped("presents a client certificate to a server that requires one", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: { requestCert: true } })
      const endpoint = Endpoint.make("https", "localhost", server.port)
      const withCert = yield* dialOnce({ tls: { ca: TestCerts.ca, ...TestCerts.client } }, endpoint)
      // TLS 1.3 sends the verdict on the client certificate after the handshake: one exchange shows it.
      const status = yield* Effect.async<string>((resume) => {
        withCert.dialed.socket.write("GET /bytes/1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        withCert.dialed.socket.once("data", (chunk: Buffer) =>
          resume(Effect.succeed(chunk.toString("latin1", 0, 12)))
        )
      })
      expect(status).toBe("HTTP/1.1 200")
      yield* Scope.close(withCert.scope, Exit.void)
    })
  )
})
