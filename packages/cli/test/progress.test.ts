import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { HttpTestServer } from "@effect-requests/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import { bin } from "./support/ereq.js"
import { terminal } from "./support/tmux.js"

const SIZE = 1024 * 1024

/** Serves SIZE pattern bytes: the first half at once, the rest when `release` completes. */
const halfThenWait = Effect.gen(function* () {
  const release = yield* Deferred.make<void>()
  const runFork = Runtime.runFork(yield* Effect.runtime<never>())
  const server = yield* HttpTestServer.make({
    handler: (req, res) => {
      req.resume()
      const body = HttpTestServer.bytes(SIZE)
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": SIZE })
      res.write(body.subarray(0, SIZE / 2))
      runFork(Effect.andThen(Deferred.await(release), () => res.end(body.subarray(SIZE / 2))))
    }
  })
  return { server, release: Deferred.succeed(release, undefined) }
})

const command = (args: string) => `node ${bin} ${args}; echo "exit=$?"`

describe("ereq in a terminal (tmux)", () => {
  it.scoped("shows bytes, percentage, rate and ETA while downloading, and the final state", () =>
    Effect.gen(function* () {
      const { server, release } = yield* halfThenWait
      const dir = mkdtempSync(join(tmpdir(), "ereq-progress-"))
      const out = join(dir, "big.bin")
      const term = yield* terminal()
      yield* term.type(command(`-o ${out} ${server.url}/big`))
      const halfway = yield* term.awaitScreen((screen) => / 50%/.test(screen))
      expect(halfway).toMatch(
        /download \[#+-+\] {2}50% {2}512\.0 KiB \/ 1\.0 MiB {2}[\d.]+ [KMG]?i?B\/s {2}ETA \d+[smh]/
      )
      yield* release
      const done = yield* term.awaitScreen((screen) => /exit=\d+/.test(screen))
      expect(done).toMatch(
        /download \[#+\] 100% {2}1\.0 MiB \/ 1\.0 MiB {2}[\d.]+ [KMG]?i?B\/s {2}\d+[smh]\n/
      )
      expect(done).toContain("exit=0")
      expect(readFileSync(out).equals(HttpTestServer.bytes(SIZE))).toBe(true)
    })
  )

  it.scoped("shows the upload too", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const term = yield* terminal()
      const file = join(mkdtempSync(join(tmpdir(), "ereq-progress-")), "up.bin")
      yield* Effect.sync(() => writeFileSync(file, HttpTestServer.bytes(SIZE)))
      yield* term.type(command(`-o /dev/null --data-binary @${file} ${server.url}/upload`))
      const done = yield* term.awaitScreen((screen) => /exit=\d+/.test(screen))
      expect(done).toMatch(/upload {3}\[#+\] 100% {2}1\.0 MiB \/ 1\.0 MiB/)
      expect(done).toContain("exit=0")
    })
  )

  it.scoped("draws nothing with -s, nor when standard error is piped", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const term = yield* terminal()
      yield* term.type(command(`-s -o /dev/null ${server.url}/bytes/${SIZE}`))
      yield* term.type(command(`-o /dev/null ${server.url}/bytes/${SIZE} 2>&1 | cat`))
      const done = yield* term.awaitScreen((screen) => (screen.match(/exit=\d+/g) ?? []).length === 2)
      expect(done).not.toContain("download")
      expect(done.match(/exit=0/g)?.length).toBe(2)
    })
  )

  it.scoped("pretty-prints and colours JSON on a terminal", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const term = yield* terminal(100, 30)
      yield* term.type(command(`${server.url}/echo q==1`))
      const done = yield* term.awaitScreen((screen) => /exit=\d+/.test(screen))
      expect(done).toContain('\n  "method": "GET",\n  "url": "/echo?q=1",')
      // Keys in bold blue, strings in green.
      const coloured = yield* term.screen(true)
      expect(coloured).toContain(`${String.fromCharCode(27)}[34m"method"`)
    })
  )
})
