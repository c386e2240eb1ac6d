import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import * as http2 from "node:http2"
import type * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { Effect, Option } from "effect"

/** A temporary directory for the socket files, removed with the scope. */
const socketDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-requests-unix-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const listenOn = (server: net.Server, path: string) =>
  Effect.acquireRelease(
    Effect.async<void>((resume) => {
      server.listen(path, () => resume(Effect.void))
    }),
    () =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        if (server instanceof http.Server) server.closeAllConnections()
      })
  )

const getText = (url: string) =>
  Effect.flatMap(HttpClient.get(url), (response) =>
    Effect.map(response.text, (body) => [response.status, body] as const)
  )

describe("Unix domain sockets", () => {
  it.scopedLive("HTTP/1.1 to an origin on a socket file, over pooled connections", () =>
    Effect.gen(function* () {
      const dir = yield* socketDirectory
      const path = join(dir, "docker.sock")
      const peers = new Set<net.Socket>()
      const server = http.createServer((req, res) => {
        peers.add(req.socket)
        res.end(`${req.headers.host} ${req.url}`)
      })
      yield* listenOn(server, path)
      const [answers, stats] = yield* Effect.provide(
        Effect.all([
          Effect.forEach(["/a", "/b", "/c", "/d"], (p) => getText(`http://docker${p}`)),
          Effect.flatMap(Requests.Requests, (r) => r.stats)
        ]),
        Requests.layer({ unixSockets: { "http://docker": path }, proxy: false })
      )
      expect(answers).toEqual([
        [200, "docker /a"],
        [200, "docker /b"],
        [200, "docker /c"],
        [200, "docker /d"]
      ])
      expect(peers.size).toBe(1)
      expect(stats.h1.created).toBe(1)
    })
  )

  it.scopedLive("h2c with prior knowledge to an origin on a socket file", () =>
    Effect.gen(function* () {
      const dir = yield* socketDirectory
      const path = join(dir, "h2c.sock")
      const server = http2.createServer()
      server.on("stream", (stream, headers) => {
        stream.respond({ ":status": 200 })
        stream.end(`${headers[":authority"]} ${headers[":path"]}`)
      })
      yield* listenOn(server, path)
      const [answers, stats] = yield* Effect.provide(
        Effect.all([
          Effect.forEach(["/x", "/y"], (p) => getText(`http://local.sock${p}`), { concurrency: 2 }),
          Effect.flatMap(Requests.Requests, (r) => r.stats)
        ]),
        Requests.layer({ unixSockets: { "http://local.sock": path }, protocol: "h2c" })
      )
      expect(answers).toEqual([
        [200, "local.sock /x"],
        [200, "local.sock /y"]
      ])
      expect(Option.map(stats.h2, (h2) => h2.connections)).toEqual(Option.some(1))
    })
  )
})
