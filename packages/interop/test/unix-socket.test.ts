import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import * as Nginx from "../src/nginx.js"
import { get, pools, text, withClient } from "./helpers.js"

const nginx = requireServer("nginx", "nginx")

const small = "hello over a socket file\n"

describe.skipIf(nginx.path === undefined)(suiteTitle(nginx, "nginx on a Unix domain socket"), () => {
  it.scopedLive("HTTP/1.1 to an origin mapped to nginx's unix: listener, over pooled connections", () =>
    Effect.gen(function* () {
      const server = yield* Nginx.make({ site: { "small.txt": small }, unixSocket: true })
      const carried = yield* withClient(
        { unixSockets: { "http://nginx.sock": server.socketPath! } },
        Effect.gen(function* () {
          const responses = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => `unix-${i}`),
            (id) => get("http://nginx.sock/small.txt", id),
            { concurrency: 4 }
          )
          expect(responses.map((r) => [r.status, text(r.body)])).toEqual(responses.map(() => [200, small]))
          return yield* pools
        })
      )
      expect(carried.h1Connections).toBeGreaterThanOrEqual(1)
      expect(carried.h1Connections).toBeLessThanOrEqual(4)
      const log = yield* server.awaitAccessLog((entries) => entries.length === 20, "20 requests logged")
      expect(new Set(log.map((e) => e.connection)).size).toBe(carried.h1Connections)
      expect(new Set(log.map((e) => e.protocol))).toEqual(new Set(["HTTP/1.1"]))
    })
  )
})
