/**
 * The response a user holds, through the HttpClient: its head, its body read
 * every way the platform offers, read once and kept, and `maxBodySize`
 * checked on what is declared and on what arrived.
 */
import type * as http from "node:http"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Limits, Requests } from "@effect-requests/client"
import { HttpTestServer } from "@effect-requests/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const client = Requests.layer()

/** Answers each path with a fixed response. */
const routes = (req: http.IncomingMessage, res: http.ServerResponse) => {
  switch (req.url) {
    case "/empty":
      return res.end()
    case "/json":
      return res.end('{"a":[1,2]}')
    case "/bad-json":
      return res.end("{nope")
    case "/cookies":
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2"])
      res.setHeader("x-other", "yes")
      return res.end("c")
    case "/plain":
      res.setHeader("x-other", "yes")
      return res.end("p")
    case "/ten":
      return res.end("0123456789")
    case "/ten-chunked":
      // No content-length: what arrives is all the limit can be checked on.
      res.write("01234")
      return res.end("56789")
  }
  res.statusCode = 404
  res.end()
}

const get = (url: string) => HttpClient.get(url)

describe("ClientResponse", () => {
  it.scoped("json: an empty body is null, a malformed one a Decode error naming the parse failure", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      expect(yield* Effect.flatMap(get(`${server.url}/empty`), (r) => r.json)).toBeNull()
      expect(yield* Effect.flatMap(get(`${server.url}/json`), (r) => r.json)).toEqual({ a: [1, 2] })
      const error = yield* Effect.flip(Effect.flatMap(get(`${server.url}/bad-json`), (r) => r.json))
      expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
      expect(error.cause).toBeInstanceOf(SyntaxError)
      expect(error.description).toBe((error.cause as SyntaxError).message)
    }).pipe(Effect.provide(client))
  )

  it.scoped("headers join set-cookie values with a comma, and cookies hold each; without them, none", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const withCookies = yield* get(`${server.url}/cookies`)
      expect(withCookies.headers["set-cookie"]).toBe("a=1; Path=/, b=2")
      expect(withCookies.headers["x-other"]).toBe("yes")
      expect(Object.keys(withCookies.cookies.cookies).sort()).toEqual(["a", "b"])
      const plain = yield* get(`${server.url}/plain`)
      expect(plain.headers["set-cookie"]).toBeUndefined()
      expect(plain.headers["x-other"]).toBe("yes")
      expect(Object.keys(plain.cookies.cookies)).toEqual([])
      expect(plain.remoteAddress).toEqual(expect.objectContaining({ _tag: "Some", value: "127.0.0.1" }))
    }).pipe(Effect.provide(client))
  )

  it.scoped("arrayBuffer holds exactly the body, not the socket read it arrived in", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const buffer = yield* Effect.flatMap(get(`${server.url}/ten`), (r) => r.arrayBuffer)
      expect(buffer.byteLength).toBe(10)
      expect(new TextDecoder().decode(buffer)).toBe("0123456789")
    }).pipe(Effect.provide(client))
  )

  it.scoped("a body read once is kept: text, then stream and arrayBuffer give it again", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const response = yield* get(`${server.url}/ten-chunked`)
      expect(yield* response.text).toBe("0123456789")
      const streamed = yield* Stream.runCollect(response.stream)
      expect(Chunk.toReadonlyArray(streamed).map((c) => new TextDecoder().decode(c))).toEqual(["0123456789"])
      expect(new TextDecoder().decode(yield* response.arrayBuffer)).toBe("0123456789")
    }).pipe(Effect.provide(client))
  )

  it.scoped("maxBodySize: a body of exactly the limit is read, declared or not; one byte less fails", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const text = (path: string, limit: number) =>
        Limits.withMaxBodySize(
          Effect.flatMap(get(`${server.url}${path}`), (r) => r.text),
          limit
        )
      expect(yield* text("/ten", 10)).toBe("0123456789")
      expect(yield* text("/ten-chunked", 10)).toBe("0123456789")
      for (const path of ["/ten", "/ten-chunked"]) {
        const error = yield* Effect.flip(text(path, 9))
        expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
        expect(error.cause).toMatchObject({
          _tag: "LimitExceededError",
          endpoint: server.url,
          protocol: "http/1.1",
          phase: "body",
          limit: "maxBodySize",
          value: 9
        })
      }
    }).pipe(Effect.provide(client))
  )

  it.scoped("maxBodySize on a body that arrived with its head: the error says what was received", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const response = yield* get(`${server.url}/ten`)
      // The head and the ten bytes come in one packet: by now the body is all there.
      const error = yield* Effect.flip(Limits.withMaxBodySize(response.text, 4))
      expect(error.cause).toMatchObject({ _tag: "LimitExceededError", value: 4 })
      expect(["10 bytes received", "content-length is 10"]).toContain(
        (error.cause as { detail: string }).detail
      )
    }).pipe(Effect.provide(client))
  )

  it.scoped("toJSON names the request and the status", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ handler: routes })
      const response = yield* get(`${server.url}/plain`)
      expect(response.toJSON()).toMatchObject({
        _id: "@effect/platform/HttpClientResponse",
        status: 200,
        request: { url: `${server.url}/plain` }
      })
    }).pipe(Effect.provide(client))
  )
})
