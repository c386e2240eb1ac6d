import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { Http2TestServer, HttpTestServer, TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import { ereq } from "./support/ereq.js"
import { closedPort, handler, tcpServer } from "./support/servers.js"

interface Echo {
  readonly method: string
  readonly url: string
  readonly httpVersion: string
  readonly headers: Record<string, string>
  readonly body: string
}

const echoOf = (stdout: string): Echo => JSON.parse(stdout) as Echo

const temp = () => mkdtempSync(join(tmpdir(), "ereq-"))

describe("ereq: requests", () => {
  it.scoped("items: param==value, Header:value, name=value and name:=json make a JSON POST", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const run = yield* ereq([
        `${server.url}/echo`,
        "q==a b",
        "X-Trace:7",
        "name=ada",
        "age:=36",
        "tags:=[1,2]"
      ])
      expect(run.code).toBe(0)
      const echo = echoOf(run.stdout)
      expect(echo.method).toBe("POST")
      expect(echo.url).toBe("/echo?q=a+b")
      expect(echo.headers["x-trace"]).toBe("7")
      expect(echo.headers["content-type"]).toBe("application/json")
      expect(echo.headers["accept"]).toContain("application/json")
      expect(JSON.parse(echo.body)).toEqual({ name: "ada", age: 36, tags: [1, 2] })
    })
  )

  it.scoped("METHOD first, -X, -H and a body: piped output is the raw body", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const put = yield* ereq(["PUT", `${server.url}/echo`])
      expect(echoOf(put.stdout).method).toBe("PUT")
      const run = yield* ereq(["-X", "PATCH", "-H", "X-One: 1", "-H", "X-Two: 2", `${server.url}/echo`])
      const echo = echoOf(run.stdout)
      expect([echo.method, echo.headers["x-one"], echo.headers["x-two"]]).toEqual(["PATCH", "1", "2"])
      expect(echo.headers["user-agent"]).toBe("ereq/0.1.0")
      // Piped: exactly the server's bytes, no colour, no pretty-printing.
      expect(run.stdout).not.toContain("\x1b[")
      expect(run.stdout.startsWith('{"method"')).toBe(true)
    })
  )

  it.scoped("-d, --data-binary @file, --json and -F name=@file", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const dir = temp()
      const file = join(dir, "payload.bin")
      writeFileSync(file, "line one\nline two\n")
      const data = echoOf((yield* ereq(["-d", "a=1", "-d", "b=2", `${server.url}/echo`])).stdout)
      expect([data.method, data.body, data.headers["content-type"]]).toEqual([
        "POST",
        "a=1&b=2",
        "application/x-www-form-urlencoded"
      ])
      const fromFile = echoOf((yield* ereq(["-d", `@${file}`, `${server.url}/echo`])).stdout)
      expect(fromFile.body).toBe("line oneline two")
      const binary = echoOf((yield* ereq(["--data-binary", `@${file}`, `${server.url}/echo`])).stdout)
      expect(binary.body).toBe("line one\nline two\n")
      const json = echoOf((yield* ereq(["--json", '{"k":1}', `${server.url}/echo`])).stdout)
      expect([json.body, json.headers["content-type"]]).toEqual(['{"k":1}', "application/json"])
      const form = echoOf(
        (yield* ereq(["-F", "name=ada", "-F", `file=@${file}`, `${server.url}/echo`])).stdout
      )
      expect(form.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(form.body).toContain('name="name"\r\n\r\nada')
      expect(form.body).toContain('filename="payload.bin"')
      expect(form.body).toContain("line one\nline two\n")
    })
  )

  it.scoped("-o writes the body to a file, -O names it from the URL", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const dir = temp()
      const out = join(dir, "out.bin")
      const run = yield* ereq(["-o", out, `${server.url}/bytes/100000`])
      expect([run.code, run.stdout]).toEqual([0, ""])
      expect(readFileSync(out).equals(HttpTestServer.bytes(100000))).toBe(true)
      const remote = yield* ereq(["-O", `${server.url}/stream/5000`], { cwd: dir })
      expect(remote.code).toBe(0)
      expect(readFileSync(join(dir, "5000")).equals(HttpTestServer.bytes(5000))).toBe(true)
    })
  )

  it.scoped("-I sends HEAD and prints the head; -i prints it before the body", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const head = yield* ereq(["-I", `${server.url}/bytes/10`])
      expect(head.stdout).toMatch(/^HTTP\/1\.1 200\r\n/)
      expect(head.stdout).toContain("content-length: 10\r\n")
      expect(head.stdout.endsWith("\r\n\r\n")).toBe(true)
      const include = yield* ereq(["-i", `${server.url}/bytes/10`])
      expect(include.stdout.endsWith(`\r\n\r\n${HttpTestServer.bytes(10).toString()}`)).toBe(true)
    })
  )

  it.scoped("-L follows redirects, --max-redirs bounds them (47)", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const url = `${server.url}/status/302?location=/echo`
      const stay = yield* ereq(["-w", "%{http_code}", url])
      expect(stay.stdout).toBe("302")
      const follow = yield* ereq(["-L", "-w", "\\n%{num_redirects} %{url_effective}", url])
      expect(follow.stdout).toContain(`\n1 ${server.url}/echo`)
      const bounded = yield* ereq(["-L", "--max-redirs", "0", url])
      expect(bounded.code).toBe(47)
    })
  )

  it.scoped("-u sends Basic; --digest answers a Digest challenge", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const basic = echoOf((yield* ereq(["-u", "ada:secret", `${server.url}/echo`])).stdout)
      expect(basic.headers["authorization"]).toBe(`Basic ${Buffer.from("ada:secret").toString("base64")}`)
      const digestServer = yield* HttpTestServer.make({
        handler: handler((req, res) => {
          const authorization = req.headers["authorization"]
          if (authorization === undefined) {
            res.writeHead(401, { "www-authenticate": 'Digest realm="test", nonce="abc", qop="auth"' })
            return res.end()
          }
          res.writeHead(200, { "content-type": "text/plain" })
          res.end(authorization)
        })
      })
      const digest = yield* ereq(["--digest", "-u", "ada:secret", `${digestServer.url}/x`])
      expect(digest.code).toBe(0)
      expect(digest.stdout).toMatch(/^Digest .*username="ada"/)
    })
  )

  it.scoped("--compressed asks for and decodes gzip; without it nothing is asked", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: handler((req, res) => {
          const accepted = req.headers["accept-encoding"] ?? "none"
          const body = gzipSync(`accepted ${accepted}`)
          res.writeHead(200, { "content-encoding": "gzip", "content-length": body.length })
          res.end(body)
        })
      })
      const run = yield* ereq(["--compressed", `${server.url}/`])
      expect(run.stdout).toMatch(/^accepted .*gzip/)
      const raw = yield* ereq([`${server.url}/`])
      expect(raw.bytes[0]).toBe(0x1f)
    })
  )

  it.scoped("--retry sends again after a 503", () =>
    Effect.gen(function* () {
      let seen = 0
      const server = yield* HttpTestServer.make({
        handler: handler((_req, res) => {
          seen++
          res.writeHead(seen === 1 ? 503 : 200, { "content-length": 2 })
          res.end("ok")
        })
      })
      const run = yield* ereq(["--retry", "2", "-w", " %{http_code}", `${server.url}/`])
      expect(run.stdout).toBe("ok 200")
      expect(server.stats.requests).toBe(2)
    })
  )

  it.scoped("-Z with --parallel-max runs several URLs, at most so many at once", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const urls = [1, 2, 3, 4, 5, 6].map((n) => `${server.url}/bytes/${n * 1000}`)
      const run = yield* ereq(["-Z", "--parallel-max", "2", "-w", "%{size_download}\\n", ...urls])
      expect(run.code).toBe(0)
      const sizes = run.stdout
        .match(/\d+000\n/g)
        ?.map((s) => Number(s.trim()))
        .sort((a, b) => a - b)
      expect(sizes).toEqual([1000, 2000, 3000, 4000, 5000, 6000])
      expect(server.stats.peakOpenConnections).toBeLessThanOrEqual(2)
    })
  )
})

describe("ereq: protocols and TLS", () => {
  it.scoped("ALPN picks h2 by default, --http1.1 forces HTTP/1.1, -k and --cacert", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({
        tls: true,
        http1Handler: (_req, res) => res.end("h1")
      })
      const url = `${server.url}/bytes/4`
      const h2 = yield* ereq(["-k", "-w", " %{http_version}", url])
      expect(h2.stdout).toBe("abcd 2")
      const h2Flag = yield* ereq([
        "--http2",
        "--cacert",
        join(TestCerts.directory, "ca.pem"),
        "-w",
        " %{http_version}",
        url
      ])
      expect(h2Flag.stdout).toBe("abcd 2")
      const h1 = yield* ereq(["--http1.1", "-k", "-w", " %{http_version}", url])
      expect(h1.stdout).toBe("h1 1.1")
      const untrusted = yield* ereq([url])
      expect(untrusted.code).toBe(60)
    })
  )

  it.scoped("--http2-prior-knowledge speaks h2c", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      const run = yield* ereq(["--http2-prior-knowledge", "-w", " %{http_version}", `${server.url}/bytes/3`])
      expect(run.stdout).toBe("abc 2")
    })
  )

  it.scoped("-v prints events with timings (DNS, connect, TLS with ALPN, reuse), headers and stats", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make({ tls: true })
      const url = `https://localhost:${server.port}/bytes/2`
      const run = yield* ereq(["-v", "-k", url, url])
      expect(run.code).toBe(0)
      expect(run.stderr).toMatch(/^\* \[\s*\d+\.\d ms\] DNS localhost -> /m)
      expect(run.stderr).toMatch(/^\* \[\s*\d+\.\d ms\] Connected to https:\/\/localhost:\d+/m)
      expect(run.stderr).toMatch(/^\* \[\s*\d+\.\d ms\] TLS TLSv1\.3, ALPN h2/m)
      expect(run.stderr).toMatch(/^\* \[\s*\d+\.\d ms\] Re-using h2 connection/m)
      expect(run.stderr).toMatch(/^> GET \/bytes\/2$/m)
      expect(run.stderr).toMatch(/^< HTTP\/2 200$/m)
      expect(run.stderr).toMatch(/^\* stats: 2 request\(s\).*h2 1 connection\(s\), 2 stream\(s\)/m)
    })
  )

  it.scoped(
    "--proxy sends the request through the proxy: a proxy that is not there is exit 7, as in curl",
    () =>
      Effect.gen(function* () {
        const port = yield* closedPort
        const run = yield* ereq(["--proxy", `http://127.0.0.1:${port}`, "http://example.invalid/"])
        expect(run.code).toBe(7)
      })
  )
})

describe("ereq: exit codes", () => {
  it.scoped("6 cannot resolve, 7 cannot connect, 3 bad URL, 1 unsupported protocol, 2 bad option", () =>
    Effect.gen(function* () {
      expect((yield* ereq(["http://no-such-host.invalid/"])).code).toBe(6)
      const port = yield* closedPort
      const refused = yield* ereq([`http://127.0.0.1:${port}/`])
      expect(refused.code).toBe(7)
      expect(refused.stderr).toContain("ECONNREFUSED")
      expect((yield* ereq(["http://[::1/"])).code).toBe(3)
      expect((yield* ereq(["ftp://127.0.0.1/"])).code).toBe(1)
      expect((yield* ereq(["--no-such-flag", "http://127.0.0.1/"])).code).toBe(2)
    })
  )

  it.scoped("28 on -m and on --connect-timeout; 35 on a failed handshake; 52 on an empty reply", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const slow = yield* ereq(["-m", "0.3", `${server.url}/delay-headers`])
      expect(slow.code).toBe(28)
      expect(slow.stderr).toContain("Operation timed out after 300 milliseconds")
      // Accepts the connection and never answers the TLS ClientHello.
      const silent = yield* tcpServer(() => undefined)
      expect((yield* ereq(["--connect-timeout", "0.3", `https://127.0.0.1:${silent}/`])).code).toBe(28)
      // TLS to a server that speaks plain HTTP.
      expect((yield* ereq([`https://127.0.0.1:${server.port}/`])).code).toBe(35)
      const hangup = yield* tcpServer((socket) => socket.once("data", () => socket.destroy()))
      expect((yield* ereq([`http://127.0.0.1:${hangup}/`])).code).toBe(52)
    })
  )

  it.scoped("55 when the server hangs up while the body uploads, as curl's failure to send", () =>
    Effect.gen(function* () {
      const file = join(mkdtempSync(join(tmpdir(), "ereq-")), "upload.bin")
      writeFileSync(file, Buffer.alloc(16 * 1024 * 1024))
      // Takes the head and the first 64 KiB of the body, then resets the connection.
      const hangup = yield* tcpServer((socket) => {
        let received = 0
        socket.on("data", (chunk: Buffer) => {
          received += chunk.length
          if (received >= 64 * 1024) socket.destroy()
        })
      })
      // -T streams the file as the request is sent.
      const result = yield* ereq(["-T", file, `http://127.0.0.1:${hangup}/`])
      expect(result.code, result.stderr).toBe(55)
    })
  )

  it.scoped("22 with -f on 400 and above (no body), 0 without; -s hides the message, -S shows it", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const url = `${server.url}/status/404`
      expect((yield* ereq([url])).code).toBe(0)
      const failed = yield* ereq(["-f", url])
      expect([failed.code, failed.stdout]).toEqual([22, ""])
      expect(failed.stderr).toContain("ereq: (22) The requested URL returned error: 404")
      expect((yield* ereq(["-sf", url])).stderr).toBe("")
      expect((yield* ereq(["-sSf", url])).stderr).toContain("(22)")
    })
  )

  it.scoped("26 for a file that cannot be read, 23 for one that cannot be written", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      expect((yield* ereq(["-d", "@/no/such/file", `${server.url}/echo`])).code).toBe(26)
      expect((yield* ereq(["-o", "/no/such/dir/out", `${server.url}/bytes/1`])).code).toBe(23)
    })
  )

  it.scoped("-w reports the status and the total time", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const run = yield* ereq([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{time_total}",
        `${server.url}/bytes/1`
      ])
      expect(run.stdout).toMatch(/^200 \d+\.\d{6}$/)
    })
  )
})
