/**
 * Every exit code `ereq` maps from a typed error, each provoked for real
 * against a loopback server (the codes of ereq's own errors and of the most
 * common failures are in ereq.test.ts). Not provoked: 42
 * (`ClientClosedError`: ereq closes its client only after every transfer),
 * 28 for a connect `ETIMEDOUT` (loopback refuses or answers at once), and
 * 26 for a `CookieStoreError` (the in-memory jar does not fail).
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import * as http2 from "node:http2"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, HttpTestServer } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import { ereq } from "./support/ereq.js"
import { h2cServer, replyServer } from "./support/servers.js"

const temp = () => mkdtempSync(join(tmpdir(), "ereq-exit-"))

/** The exit code and the error line ereq printed. */
const outcome = (args: ReadonlyArray<string>) =>
  Effect.map(ereq(args), (run) => ({ code: run.code, stderr: run.stderr }))

describe("ereq: exit codes of the client's typed errors", () => {
  it.scoped("8: an HTTP/1.1 response that does not parse (ProtocolError)", () =>
    Effect.gen(function* () {
      const port = yield* replyServer("NOT HTTP AT ALL\r\n\r\n")
      const run = yield* outcome([`http://127.0.0.1:${port}/`])
      expect(run.code).toBe(8)
      expect(run.stderr).toContain("protocol error")
    })
  )

  it.scoped("16: every HTTP/2 connection turned away by GOAWAY (GoAwayError)", () =>
    Effect.gen(function* () {
      const port = yield* h2cServer((session) => session.goaway(http2.constants.NGHTTP2_NO_ERROR, 0))
      const run = yield* outcome(["--http2-prior-knowledge", `http://127.0.0.1:${port}/`])
      expect(run.code).toBe(16)
      expect(run.stderr).toContain("GOAWAY")
    })
  )

  it.scoped("16: HTTP/2 asked of a TLS server that does not offer h2 by ALPN (ProtocolError in h2)", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const run = yield* outcome(["--http2-prior-knowledge", "-k", `${server.url}/bytes/1`])
      expect(run.code).toBe(16)
      expect(run.stderr).toContain("AlpnMismatch")
    })
  )

  it.scoped("92: an HTTP/2 stream reset with INTERNAL_ERROR (StreamResetError)", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const run = yield* outcome(["--http2-prior-knowledge", `${server.url}/reset/2`])
      expect(run.code).toBe(92)
      expect(run.stderr).toContain("INTERNAL_ERROR")
    })
  )

  it.scoped("55: the connection closes while the request body is sent (ClosedError in request)", () =>
    Effect.gen(function* () {
      const file = join(temp(), "big.bin")
      writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 1))
      // Takes the first DATA of the upload, then drops the whole connection.
      const port = yield* h2cServer((session) =>
        session.on("stream", (stream) => {
          stream.on("error", () => undefined)
          stream.once("data", () => session.destroy())
        })
      )
      const run = yield* outcome(["--http2-prior-knowledge", "-T", file, `http://127.0.0.1:${port}/up`])
      expect(run.code).toBe(55)
      expect(run.stderr).toContain("during request")
    })
  )

  it.scoped("56: the connection closes in the middle of the body (ClosedError, response started)", () =>
    Effect.gen(function* () {
      const port = yield* replyServer("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b", (socket) =>
        socket.destroy()
      )
      const run = yield* outcome([`http://127.0.0.1:${port}/`])
      expect(run.code).toBe(56)
    })
  )

  it.scoped("97: the proxy refuses the CONNECT tunnel (ProxyError)", () =>
    Effect.gen(function* () {
      const proxy = yield* replyServer("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
      const run = yield* outcome(["--proxy", `http://127.0.0.1:${proxy}`, "https://origin.test/"])
      expect(run.code).toBe(97)
      expect(run.stderr).toContain("403")
    })
  )

  it.scoped("63: more interim responses than the client accepts (LimitExceededError)", () =>
    Effect.gen(function* () {
      const port = yield* replyServer(
        "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n".repeat(20) +
          "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
      )
      const run = yield* outcome([`http://127.0.0.1:${port}/`])
      expect(run.code).toBe(63)
      expect(run.stderr).toContain("maxInterimResponses")
    })
  )

  it.scoped("26: the request body's source fails while it is sent (RequestBodyError)", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      // A directory passes -T's size check and fails on its first read.
      const run = yield* outcome(["-T", temp(), `${server.url}/upload`])
      expect(run.code).toBe(26)
      expect(run.stderr).toContain("request body")
    })
  )

  it.scoped("43: a header value the request cannot carry (InvalidRequestError)", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const run = yield* outcome(["--http2-prior-knowledge", "-H", "X-Bad: a\u0001b", `${server.url}/echo`])
      expect(run.code).toBe(43)
      expect(run.stderr).toContain("InvalidHeaderValue")
    })
  )
})

describe("ereq: exit codes of the batteries' errors", () => {
  it.scoped("61: --compressed and a body that is not what content-encoding says (DecompressionError)", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip", "content-length": 12 })
          res.end("not gzip at all".slice(0, 12))
        }
      })
      expect((yield* outcome(["--compressed", `${server.url}/`])).code).toBe(61)
    })
  )

  it.scoped("63: --compressed and a decompression bomb (DecompressionLimitError)", () =>
    Effect.gen(function* () {
      const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024))
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip", "content-length": bomb.length })
          res.end(bomb)
        }
      })
      const run = yield* outcome(["--compressed", "-o", "/dev/null", `${server.url}/`])
      expect(run.code).toBe(63)
    })
  )

  it.scoped("47: more redirects than --max-redirs (TooManyRedirectsError), and a loop", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (req, res) => {
          const n = Number(new URL(req.url ?? "/", "http://x").searchParams.get("n") ?? "0")
          res.writeHead(302, { location: req.url?.startsWith("/loop") ? "/loop" : `/hop?n=${n + 1}` })
          res.end()
        }
      })
      const bounded = yield* outcome(["-L", "--max-redirs", "3", `${server.url}/hop`])
      expect(bounded.code).toBe(47)
      const loop = yield* outcome(["-L", `${server.url}/loop`])
      expect(loop.code).toBe(47)
    })
  )

  it.scoped("3: a Location that is not a URL (InvalidRedirectError)", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => {
          res.writeHead(302, { location: "http://[::1/" })
          res.end()
        }
      })
      expect((yield* outcome(["-L", `${server.url}/`])).code).toBe(3)
    })
  )

  it.scoped(
    "65: a streamed upload cannot be sent again for a Digest challenge or a 307 (AuthBodyError, RedirectBodyError)",
    () =>
      Effect.gen(function* () {
        const file = join(temp(), "up.bin")
        writeFileSync(file, Buffer.alloc(100_000, 7))
        const server = yield* HttpTestServer.make({
          handler: (req, res) => {
            req.resume()
            req.once("end", () => {
              if (req.url === "/auth") {
                res.writeHead(401, { "www-authenticate": 'Digest realm="test", nonce="abc", qop="auth"' })
              } else {
                res.writeHead(307, { location: "/elsewhere" })
              }
              res.end()
            })
          }
        })
        const auth = yield* outcome(["--digest", "-u", "ada:secret", "-T", file, `${server.url}/auth`])
        expect(auth.code).toBe(65)
        const redirect = yield* outcome(["-L", "-T", file, `${server.url}/move`])
        expect(redirect.code).toBe(65)
      })
  )

  it.scoped("1: a redirect from https to http (RedirectDowngradeError)", () =>
    Effect.gen(function* () {
      const plain = yield* HttpTestServer.make()
      const secure = yield* HttpTestServer.make({ tls: true })
      const location = encodeURIComponent(`${plain.url}/echo`)
      const run = yield* outcome(["-k", "-L", `${secure.url}/status/302?location=${location}`])
      expect(run.code).toBe(1)
      expect(plain.stats.requests).toBe(0)
    })
  )
})
