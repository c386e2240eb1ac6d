/**
 * The flags about what is sent and where: -T, -b/-c, -E/--key, --resolve,
 * and --http2 on plain http.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { HttpTestServer, TestCerts } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import { ereq } from "./support/ereq.js"

interface Echo {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string
}

const echoOf = (stdout: string): Echo => JSON.parse(stdout) as Echo

const temp = () => mkdtempSync(join(tmpdir(), "ereq-flags-"))

describe("ereq: -T", () => {
  it.scoped("PUTs the file with its length, streamed; a URL ending in / gets the file's name", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const file = join(temp(), "notes.txt")
      const text = "line of text\n".repeat(20_000)
      writeFileSync(file, text)
      const put = echoOf((yield* ereq(["-T", file, `${server.url}/echo`])).stdout)
      expect(put.method).toBe("PUT")
      expect(put.headers["content-length"]).toBe(String(text.length))
      expect(put.headers["transfer-encoding"]).toBeUndefined()
      expect(put.body).toBe(text)
      const named = echoOf((yield* ereq(["-T", file, `${server.url}/echo/`])).stdout)
      expect(named.url).toBe("/echo/notes.txt")
      const post = echoOf((yield* ereq(["-X", "POST", `-T${file}`, `${server.url}/echo`])).stdout)
      expect(post.method).toBe("POST")
      expect((yield* ereq(["-T", "/no/such/file", `${server.url}/echo`])).code).toBe(26)
    })
  )
})

describe("ereq: -b and -c", () => {
  it.scoped("-b NAME=VALUE sends a Cookie header; -b FILE sends the file's cookies for the host", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const inline = echoOf((yield* ereq(["-b", "a=1; b=2", `${server.url}/echo`])).stdout)
      expect(inline.headers["cookie"]).toBe("a=1; b=2")
      const file = join(temp(), "cookies.txt")
      writeFileSync(
        file,
        [
          "# Netscape HTTP Cookie File",
          "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc",
          "127.0.0.1\tFALSE\t/other\tFALSE\t0\telsewhere\tno",
          "other.test\tFALSE\t/\tFALSE\t0\tforeign\tno",
          ""
        ].join("\n")
      )
      const fromFile = echoOf((yield* ereq(["-b", file, `${server.url}/echo`])).stdout)
      expect(fromFile.headers["cookie"]).toBe("session=abc")
    })
  )

  it.scoped("-c writes the cookies received in the Netscape format, which -b reads back", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const jar = join(temp(), "jar.txt")
      const run = yield* ereq(["-c", jar, `${server.url}/set-cookie`])
      expect(run.code).toBe(0)
      const lines = readFileSync(jar, "utf8").split("\n")
      expect(lines[0]).toBe("# Netscape HTTP Cookie File")
      expect(lines).toContain("127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1")
      expect(lines).toContain("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tb\t2")
      const back = echoOf((yield* ereq(["-b", jar, `${server.url}/echo`])).stdout)
      expect(back.headers["cookie"]).toBe("a=1; b=2")
    })
  )
})

describe("ereq: -E and --key", () => {
  it.scoped(
    "a client certificate for a server that requires one; without it the server refuses it (56)",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: { requestCert: true } })
        const ca = join(TestCerts.directory, "ca.pem")
        const url = `${server.url}/bytes/3`
        const run = yield* ereq([
          "--cacert",
          ca,
          "-E",
          join(TestCerts.directory, "client.pem"),
          "--key",
          join(TestCerts.directory, "client.key"),
          url
        ])
        expect([run.code, run.stdout]).toEqual([0, "abc"])
        // One PEM file with the certificate and its key, as curl's -E takes it.
        const both = join(temp(), "client-both.pem")
        writeFileSync(both, TestCerts.client.cert + TestCerts.client.key)
        expect((yield* ereq(["--cacert", ca, "-E", both, url])).stdout).toBe("abc")
        // TLS 1.3: the server's alert arrives after the client's handshake ended, as a receive error (curl's 56).
        const refused = yield* ereq(["--cacert", ca, url])
        expect(refused.code).toBe(56)
        expect(refused.stderr).toContain("certificate required")
      })
  )
})

describe("ereq: --resolve and --http2", () => {
  it.scoped("--resolve HOST:PORT:ADDR connects there and keeps the name in Host", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const url = `http://api.example.test:${server.port}/echo`
      const run = yield* ereq(["--resolve", `api.example.test:${server.port}:127.0.0.1`, url])
      expect(run.code).toBe(0)
      expect(echoOf(run.stdout).headers["host"]).toBe(`api.example.test:${server.port}`)
      expect((yield* ereq(["--resolve", "nonsense", url])).code).toBe(2)
    })
  )

  it.scoped("--http2 on plain http speaks HTTP/1.1, as curl against a server that does not upgrade", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const run = yield* ereq(["--http2", "-w", " %{http_version}", `${server.url}/bytes/2`])
      expect(run.stdout).toBe("ab 1.1")
    })
  )
})
