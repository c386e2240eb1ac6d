import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Option, Scope } from "effect"
import { RawServer, TestCerts } from "@effect-requests/testing"
import { closed, connect, connectTls, readAll, request, write } from "./helpers.js"

describe("RawServer", () => {
  describe("response", () => {
    it("builds a status line, headers and a Content-Length", () => {
      expect(RawServer.response(200, { "X-A": "1" }, "héllo")).toBe(
        "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 6\r\n\r\nhéllo"
      )
    })

    it("keeps repeated headers in order and the caller's framing", () => {
      const headers = [
        ["Set-Cookie", "a=1"],
        ["Set-Cookie", "b=2"],
        ["Transfer-Encoding", "chunked"]
      ] as const
      expect(RawServer.response(404, headers, "0\r\n\r\n")).toBe(
        "HTTP/1.1 404 Not Found\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
      )
      expect(RawServer.response(204)).toBe("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    })
  })

  describe("reading", () => {
    it.scoped("readRequest parses a request with a Content-Length body", () =>
      Effect.gen(function* () {
        const seen = yield* Deferred.make<RawServer.RawRequest>()
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            const req = yield* conn.readRequest
            yield* Deferred.succeed(seen, req)
            yield* conn.write(RawServer.response(201, { "Content-Type": "text/plain" }, "made"))
          })
        )
        const reply = yield* request(`${server.url}/things?x=1`, {
          method: "POST",
          headers: { "X-Twice": ["a", "b"], "Content-Type": "text/plain" },
          body: "payload"
        })
        expect(reply.status).toBe(201)
        expect(reply.body.toString()).toBe("made")

        const req = yield* Deferred.await(seen)
        expect(req.method).toBe("POST")
        expect(req.path).toBe("/things?x=1")
        expect(req.httpVersion).toBe("HTTP/1.1")
        expect(req.headers["x-twice"]).toBe("a, b")
        expect(req.headers["content-length"]).toBe("7")
        expect(req.head).toMatch(/^POST \/things\?x=1 HTTP\/1\.1\r\n[\s\S]*\r\n\r\n$/)
        expect(req.body.toString()).toBe("payload")
      })
    )

    it.scoped("readRequest de-chunks a chunked body and skips its trailers", () =>
      Effect.gen(function* () {
        const bodies = yield* Deferred.make<ReadonlyArray<string>>()
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            const first = yield* conn.readRequest
            const second = yield* conn.readRequest
            yield* Deferred.succeed(bodies, [first.body.toString(), second.body.toString()])
          })
        )
        const socket = yield* connect(server.port)
        yield* write(
          socket,
          "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n" +
            "GET /next HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        expect(yield* Deferred.await(bodies)).toEqual(["hello world", ""])
      })
    )

    it.scoped("readUntil returns through the delimiter and keeps the rest buffered", () =>
      Effect.gen(function* () {
        const parts = yield* Deferred.make<ReadonlyArray<string>>()
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            const a = yield* conn.readUntil("|")
            const b = yield* conn.readUntil("|")
            const c = yield* conn.readBytes(3)
            yield* Deferred.succeed(parts, [a, b, c.toString("latin1")])
          })
        )
        const socket = yield* connect(server.port)
        yield* write(socket, "abc|d")
        yield* write(socket, "ef|xyz")
        expect(yield* Deferred.await(parts)).toEqual(["abc|", "def|", "xyz"])
      })
    )

    it.scoped("reads larger than the pause threshold complete, whenever the script starts reading", () =>
      Effect.gen(function* () {
        const go = yield* Deferred.make<void>()
        const size = 3 * 1024 * 1024
        const received = yield* Deferred.make<number>()
        const server = yield* RawServer.make((conn) =>
          Effect.gen(function* () {
            yield* Deferred.await(go)
            const body = yield* conn.readBytes(size)
            yield* Deferred.succeed(received, body.length)
          })
        )
        const socket = yield* connect(server.port)
        socket.write(Buffer.alloc(size, 1))
        yield* server.awaitConnections(1)
        yield* Deferred.succeed(go, undefined)
        expect(yield* Deferred.await(received)).toBe(size)
      })
    )

    it.scoped("a read fails when the peer closes first, and the failure is kept", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) => conn.readRequest)
        const socket = yield* connect(server.port)
        yield* write(socket, "GET / HTTP/1.1\r\n")
        socket.end()
        yield* server.awaitScripts(1)
        const error = Option.getOrThrow(server.lastScriptError)
        expect(error).toBeInstanceOf(Error)
        expect(String(error)).toMatch(/connection closed before "\\r\\n\\r\\n" arrived \(16 bytes unread\)/)
      })
    )
  })

  describe("connection lifecycle", () => {
    it.scoped(
      "the await helpers give up in real time, under the TestClock, saying what they saw",
      () =>
        Effect.gen(function* () {
          const server = yield* RawServer.make((conn) => conn.closed)
          yield* connect(server.port)
          yield* server.awaitConnections(1)
          const options = { timeoutMillis: 20 }
          const messages = yield* Effect.forEach(
            [
              server.awaitConnections(2, options),
              server.awaitClosedConnections(1, options),
              server.awaitScripts(1, options)
            ],
            (wait) => Effect.map(Effect.flip(wait), (error) => error.message)
          )
          expect(messages).toEqual([
            "awaitConnections: wanted 2 accepted connections, saw 1 after 20 ms",
            "awaitClosedConnections: wanted 1 closed connection, saw 0 after 20 ms",
            "awaitScripts: wanted 1 finished script, saw 0 after 20 ms"
          ])
        }),
      10_000
    )

    it.scoped("scripts get connection indexes in order", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn, index) =>
          conn.write(`${index}`).pipe(Effect.zipRight(conn.end))
        )
        const first = yield* connect(server.port)
        expect((yield* readAll(first)).toString()).toBe("0")
        const second = yield* connect(server.port)
        expect((yield* readAll(second)).toString()).toBe("1")
        expect(server.connectionsOpened).toBe(2)
      })
    )

    it.scoped("the socket is destroyed when the script returns without end", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) => conn.write("partial"))
        const socket = yield* connect(server.port)
        expect((yield* readAll(socket)).toString()).toBe("partial")
        yield* closed(socket)
        yield* server.awaitClosedConnections(1)
        expect(server.openConnections).toBe(0)
        expect(server.lastScriptError).toEqual(Option.none())
      })
    )

    it.scoped("after end the socket stays half-open until the peer closes", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) => conn.write("bye").pipe(Effect.zipRight(conn.end)))
        const socket = yield* connect(server.port)
        // Our own half stays open after the server's FIN, so the server must still be there.
        socket.allowHalfOpen = true
        expect((yield* readAll(socket)).toString()).toBe("bye")
        yield* server.awaitScripts(1)
        expect(server.openConnections).toBe(1)
        expect(socket.destroyed).toBe(false)

        socket.end()
        yield* server.awaitClosedConnections(1)
        yield* closed(socket)
      })
    )

    it.scoped("destroy closes after what was written, reset aborts", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn, index) =>
          conn
            .readUntil("go")
            .pipe(
              Effect.zipRight(
                index === 0 ? conn.write("head").pipe(Effect.zipRight(conn.destroy)) : conn.reset
              )
            )
        )
        const destroyed = yield* connect(server.port)
        yield* write(destroyed, "go")
        expect((yield* readAll(destroyed)).toString()).toBe("head")

        const reset = yield* connect(server.port)
        yield* write(reset, "go")
        const failure = yield* Effect.flip(readAll(reset))
        expect(failure).toMatchObject({ code: "ECONNRESET" })
        yield* server.awaitScripts(2)
        expect(server.lastScriptError).toEqual(Option.none())
      })
    )

    it.scoped("closed resolves when the peer sends FIN, and the socket stays writable", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make((conn) => conn.closed.pipe(Effect.zipRight(conn.write("late"))))
        const socket = yield* connect(server.port)
        socket.allowHalfOpen = true
        socket.end()
        expect((yield* readAll(socket)).toString()).toBe("late")
        yield* server.awaitClosedConnections(1)
      })
    )

    it.scoped("closed resolves when the peer destroys the connection", () =>
      Effect.gen(function* () {
        const sawClose = yield* Deferred.make<void>()
        const server = yield* RawServer.make((conn) =>
          conn.closed.pipe(Effect.zipRight(Deferred.succeed(sawClose, undefined)))
        )
        const socket = yield* connect(server.port)
        yield* server.awaitConnections(1)
        socket.resetAndDestroy()
        yield* Deferred.await(sawClose)
        yield* server.awaitClosedConnections(1)
      })
    )

    it.scoped("closing the scope interrupts scripts and closes every connection", () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const started = yield* Deferred.make<void>()
        const server = yield* RawServer.make((conn) =>
          Deferred.succeed(started, undefined).pipe(Effect.zipRight(conn.readUntil("never")))
        ).pipe(Scope.extend(scope))
        const socket = yield* connect(server.port)
        yield* Deferred.await(started)

        yield* Scope.close(scope, Exit.void)
        expect(server.openConnections).toBe(0)
        expect(server.closedConnections).toBe(1)
        expect(server.lastScriptError).toEqual(Option.none())
        yield* closed(socket)
      })
    )
  })

  describe("tls", () => {
    it.scoped("negotiates ALPN and hands the TLS socket to the script", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make(
          (conn) =>
            conn.readUntil("\n").pipe(
              Effect.flatMap((line) =>
                conn.write(`${line.trim()} over ${String(conn.socket.constructor.name)}`)
              ),
              Effect.zipRight(conn.end)
            ),
          { tls: { ALPNProtocols: ["h2", "http/1.1"] } }
        )
        expect(server.url).toBe(`https://127.0.0.1:${server.port}`)
        const socket = yield* connectTls(server.port, {
          ca: TestCerts.ca,
          servername: "x.wild.test",
          ALPNProtocols: ["h2"]
        })
        expect(socket.alpnProtocol).toBe("h2")
        yield* write(socket, "ping\n")
        expect((yield* readAll(socket)).toString()).toBe("ping over TLSSocket")
      })
    )

    it.scoped("a client rejecting the certificate never reaches the script", () =>
      Effect.gen(function* () {
        const server = yield* RawServer.make(() => Effect.dieMessage("not reached"), { tls: true })
        const failure = yield* Effect.flip(connectTls(server.port, { ca: TestCerts.otherCa }))
        expect(failure).toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
        yield* server.awaitClosedConnections(1)
        expect(server.lastScriptError).toEqual(Option.none())
      })
    )
  })
})
