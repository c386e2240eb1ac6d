/**
 * The HTTP/1.1 pool's figures, as the `Requests` service reports them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer } from "@effect-requests/testing"
import { Deferred, Effect } from "effect"
import { awaitH1, get, h1Stats } from "./held-server.js"

describe("H1Pool figures", () => {
  it.scoped(
    "reused counts requests on a connection that had carried one, not the first on a warmed one",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make()
        const requests = yield* Requests.Requests
        yield* requests.warm(server.url)
        yield* get(`${server.url}/bytes/1`, "first")
        expect(yield* h1Stats).toMatchObject({ created: 1, reused: 0 })
        yield* get(`${server.url}/bytes/1`, "second")
        expect(yield* h1Stats).toMatchObject({ created: 1, reused: 1 })
        expect(server.stats.connectionsOpened).toBe(1)
      }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("pipelining is off for an endpoint unless asked for", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      yield* get(`${server.url}/bytes/1`, "one")
      expect((yield* h1Stats).endpoints[`http://127.0.0.1:${server.port}`]).toMatchObject({
        pipelining: false
      })
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("a connection the server resets counts as closed, and as ended in an error", () =>
    Effect.gen(function* () {
      const reset = yield* Deferred.make<void>()
      const server = yield* RawServer.make((conn) =>
        Effect.gen(function* () {
          yield* conn.readRequest
          yield* conn.write(RawServer.response(200, {}, "ok"))
          yield* Deferred.await(reset)
          yield* conn.reset
        })
      )
      expect(yield* get(`${server.url}/`, "one")).toBe("ok")
      yield* Deferred.succeed(reset, undefined)
      yield* awaitH1("closed connection", (s) => s.closed, 1)
      expect(yield* h1Stats).toMatchObject({ open: 0, created: 1, closed: 1, errors: 1 })
    }).pipe(Effect.provide(Requests.layer()))
  )

  it.scoped("a dial that fails counts as an error, whether a request or warm asked for it", () =>
    Effect.gen(function* () {
      const requests = yield* Requests.Requests
      // Nothing listens on port 1: each dial is refused.
      yield* Effect.flip(get("http://127.0.0.1:1/", "refused"))
      expect(yield* h1Stats).toMatchObject({ created: 0, errors: 1 })
      expect((yield* Effect.flip(requests.warm("http://127.0.0.1:1/")))._tag).toBe("ConnectError")
      expect(yield* h1Stats).toMatchObject({ created: 0, errors: 2 })
    }).pipe(Effect.provide(Requests.layer({ retry: false })))
  )
})
