/**
 * What an HTTP/1.1 connection takes behind the request in flight on it, and
 * what makes the pool stop pipelining to an endpoint: seen from the server,
 * which records on which connection each request came, and from the pool's
 * `pipelining` figure.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, RawServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, Fiber, Stream } from "effect"

const client = Requests.layer({ batteries: false, h1: { pipelining: 2 } })

const get = (url: string, id: string) =>
  HttpClient.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("x-request-id", id))).pipe(
    Effect.flatMap((r) => r.text)
  )

const pipeliningOf = (port: number) =>
  Effect.map(
    Effect.flatMap(Requests.Requests, (r) => r.stats),
    (stats) => stats.h1.endpoints[`http://127.0.0.1:${port}`]?.pipelining
  )

/**
 * `effect`, bounded in real time: a request stuck behind another fails the
 * test with a `WaitTimeout` and is interrupted, so that its connection does
 * not hold up closing the client.
 */
const bounded = <A, E, R>(what: string, effect: Effect.Effect<A, E, R>) =>
  Wait.within(effect, { helper: what, unit: "completion", target: 1, seen: () => 0 })

/** A response echoing the request id in its body. */
const echo = (request: RawServer.RawRequest, headers: Record<string, string> = {}) =>
  RawServer.response(200, headers, request.headers["x-request-id"] ?? "")

/** Reads a request on the connection, recording its id. */
const read = (conn: RawServer.RawConnection, seen: Array<string>) =>
  Effect.tap(conn.readRequest, (request) =>
    Effect.sync(() => seen.push(request.headers["x-request-id"] ?? ""))
  )

/**
 * Connection 0 runs `first`; every later connection answers each request
 * with its id. `seen` lists the ids each connection received.
 */
const serverWith = (
  first: (conn: RawServer.RawConnection, seen: Array<string>) => Effect.Effect<void, unknown>
) =>
  Effect.gen(function* () {
    const seen: Array<Array<string>> = []
    const server = yield* RawServer.make((conn, index) => {
      const mine: Array<string> = (seen[index] = [])
      if (index === 0) return first(conn, mine)
      return Effect.forever(Effect.flatMap(read(conn, mine), (request) => conn.write(echo(request))))
    })
    return { server, seen }
  })

describe("HTTP/1.1 pipelining: what a connection takes behind a request", () => {
  it.scoped(
    "a connection whose response said Connection: close takes nothing more, even before it ends",
    () =>
      Effect.gen(function* () {
        const rest = yield* Deferred.make<void>()
        const { server, seen } = yield* serverWith((conn, mine) =>
          Effect.gen(function* () {
            yield* read(conn, mine)
            yield* conn.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nfi")
            yield* Deferred.await(rest)
            yield* conn.write("rs")
            for (;;) yield* read(conn, mine)
          })
        )
        const first = yield* HttpClient.execute(
          HttpClientRequest.get(server.url).pipe(HttpClientRequest.setHeader("x-request-id", "first"))
        )
        // The head is in, the body is not: the connection is busy, and closing once the body ends.
        expect(yield* bounded("second", get(server.url, "second"))).toBe("second")
        yield* Deferred.succeed(rest, undefined)
        expect(yield* first.text).toBe("firs")
        expect(seen).toEqual([["first"], ["second"]])
        // Nothing was pipelined behind the closing response, so nothing was refused.
        expect(yield* pipeliningOf(server.port)).toBe(true)
      }).pipe(Effect.provide(client))
  )

  it.scoped("a connection still uploading a streamed body takes nothing behind it", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const sent = yield* Deferred.make<void>()
      const more = yield* Deferred.make<void>()
      // One chunk, then the rest only once the GET is answered.
      const body = Stream.concat(
        Stream.make(new Uint8Array(1024).fill(97)).pipe(Stream.tap(() => Deferred.succeed(sent, undefined))),
        Stream.fromEffect(Effect.as(Deferred.await(more), new Uint8Array(1024).fill(98)))
      )
      const upload = yield* Effect.fork(
        HttpClient.execute(
          HttpClientRequest.post(`${server.url}/upload`).pipe(HttpClientRequest.bodyStream(body))
        ).pipe(Effect.flatMap((r) => r.json))
      )
      yield* Deferred.await(sent)
      yield* server.awaitRequests(1)
      expect(yield* get(`${server.url}/bytes/3`, "get")).toBe("abc")
      yield* Deferred.succeed(more, undefined)
      expect(yield* Fiber.join(upload)).toMatchObject({ bytes: 2048 })
      expect(server.stats.connectionsOpened).toBe(2)
    }).pipe(Effect.provide(client))
  )
})

describe("HTTP/1.1 pipelining: when the pool stops", () => {
  it.scoped(
    "a request pipelined behind a Connection: close response is sent again on a new connection, and pipelining stops",
    () =>
      Effect.gen(function* () {
        const { server, seen } = yield* serverWith((conn, mine) =>
          Effect.gen(function* () {
            const first = yield* read(conn, mine)
            yield* read(conn, mine)
            // Answers the first, refusing the second; the socket stays open until the client closes it.
            yield* conn.write(echo(first, { Connection: "close" }))
            yield* conn.closed
          })
        )
        const both = Effect.all([get(server.url, "a"), get(server.url, "b")], { concurrency: "unbounded" })
        expect(yield* bounded("both", both)).toEqual(["a", "b"])
        yield* server.awaitClosedConnections(1)
        expect(seen).toEqual([["a", "b"], ["b"]])
        expect(yield* pipeliningOf(server.port)).toBe(false)
      }).pipe(Effect.provide(client))
  )

  it.scoped("a lone Connection: close response closes the connection and leaves pipelining on", () =>
    Effect.gen(function* () {
      const { server } = yield* serverWith((conn, mine) =>
        Effect.gen(function* () {
          yield* conn.write(echo(yield* read(conn, mine), { Connection: "close" }))
          yield* conn.closed
        })
      )
      expect(yield* get(server.url, "a")).toBe("a")
      yield* server.awaitClosedConnections(1)
      expect(yield* pipeliningOf(server.port)).toBe(true)
    }).pipe(Effect.provide(client))
  )

  it.scoped(
    "a server that closes with two pipelined requests unanswered: both are sent again, pipelining stops",
    () =>
      Effect.gen(function* () {
        const { server, seen } = yield* serverWith((conn, mine) =>
          Effect.gen(function* () {
            yield* conn.write(echo(yield* read(conn, mine)))
            yield* read(conn, mine)
            yield* read(conn, mine)
            yield* conn.destroy
          })
        )
        // A first exchange, so that the two behind it go to a connection known to work.
        expect(yield* get(server.url, "warm")).toBe("warm")
        expect(
          yield* Effect.all([get(server.url, "a"), get(server.url, "b")], { concurrency: "unbounded" })
        ).toEqual(["a", "b"])
        expect(seen[0]).toEqual(["warm", "a", "b"])
        expect(yield* pipeliningOf(server.port)).toBe(false)
      }).pipe(Effect.provide(client))
  )

  it.scoped("a server that closes with a single request unanswered leaves pipelining on", () =>
    Effect.gen(function* () {
      const { server } = yield* serverWith((conn, mine) => Effect.zipRight(read(conn, mine), conn.destroy))
      // A POST: sent once, its loss reported rather than sent again.
      const error = yield* Effect.flip(HttpClient.post(server.url))
      expect(error.cause).toMatchObject({ _tag: "ClosedError", phase: "headers" })
      expect(yield* pipeliningOf(server.port)).toBe(true)
    }).pipe(Effect.provide(client))
  )
})
