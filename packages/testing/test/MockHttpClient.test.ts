import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { MockHttpClient } from "@effect-requests/testing"

const Api = MockHttpClient.layer((request) => {
  const url = new URL(request.url)
  switch (url.pathname) {
    case "/user":
      return Effect.succeed({ body: { name: "Ada" } })
    case "/text":
      return Effect.succeed({ status: 201, headers: { "X-Multi": ["a", "b"] }, body: "plain" })
    case "/bytes":
      return Effect.succeed({ body: new Uint8Array([1, 2, 3]) })
    case "/empty":
      return Effect.succeed({ status: 204 })
    default:
      return Effect.succeed({ status: 404 })
  }
})

const failing = (error: unknown) => MockHttpClient.layer(() => Effect.fail(error))

describe("MockHttpClient", () => {
  it.effect("answers through HttpClient.HttpClient", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const user = yield* client.get("http://api.test/user")
      expect(user.status).toBe(200)
      expect(user.headers["content-type"]).toBe("application/json")
      expect(yield* user.json).toEqual({ name: "Ada" })

      const text = yield* client.get("http://api.test/text")
      expect(text.status).toBe(201)
      expect(text.headers["x-multi"]).toBe("a, b")
      expect(yield* text.text).toBe("plain")

      const bytes = yield* client.get("http://api.test/bytes")
      expect(new Uint8Array(yield* bytes.arrayBuffer)).toEqual(new Uint8Array([1, 2, 3]))

      const empty = yield* client.get("http://api.test/empty")
      expect(empty.status).toBe(204)
      expect(yield* empty.text).toBe("")

      const missing = yield* Effect.flip(
        client.get("http://api.test/nope").pipe(Effect.flatMap(HttpClientResponse.filterStatusOk))
      )
      expect(missing).toMatchObject({ _tag: "ResponseError", reason: "StatusCode" })
    }).pipe(Effect.provide(Api))
  )

  it.effect("records the requests it saw, until reset", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const mock = yield* MockHttpClient.MockHttpClient
      yield* client.get("http://api.test/user", { headers: { "X-Request-Id": "1" } })
      yield* client.execute(
        HttpClientRequest.post("http://api.test/text").pipe(HttpClientRequest.bodyText("hi"))
      )

      const requests = yield* mock.requests
      expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
        "GET http://api.test/user",
        "POST http://api.test/text"
      ])
      expect(requests[0]?.headers["x-request-id"]).toBe("1")
      expect(requests[1]?.body).toMatchObject({ _tag: "Uint8Array", contentType: "text/plain" })

      yield* mock.reset
      expect(yield* mock.requests).toEqual([])
    }).pipe(Effect.provide(Api))
  )

  it.effect("each build of the layer starts with an empty record", () =>
    Effect.gen(function* () {
      const count = Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        yield* client.get("http://api.test/user")
        return (yield* (yield* MockHttpClient.MockHttpClient).requests).length
      })
      expect(yield* count.pipe(Effect.provide(Api))).toBe(1)
      expect(yield* count.pipe(Effect.provide(Api))).toBe(1)
    })
  )

  it.effect("a handler can answer with a full HttpClientResponse", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get("http://api.test/anything")
      expect(response.status).toBe(418)
      expect(yield* response.text).toBe("teapot")
    }).pipe(
      Effect.provide(
        MockHttpClient.layer((request) =>
          Effect.succeed(HttpClientResponse.fromWeb(request, new Response("teapot", { status: 418 })))
        )
      )
    )
  )

  it.effect("handler failures become Transport RequestErrors", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get("http://api.test/user"))
      expect(error).toBeInstanceOf(HttpClientError.RequestError)
      expect(error).toMatchObject({ reason: "Transport", cause: "connection refused" })
      expect(error.request.url).toBe("http://api.test/user")
    }).pipe(Effect.provide(failing("connection refused")))
  )

  it.effect("HttpClientErrors from the handler pass through unchanged", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get("http://api.test/user"))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Encode", description: "bad body" })
    }).pipe(
      Effect.provide(
        failing(
          new HttpClientError.RequestError({
            request: HttpClientRequest.get("http://api.test/user"),
            reason: "Encode",
            description: "bad body"
          })
        )
      )
    )
  )

  it.effect("a response that cannot be built is a Transport RequestError", () =>
    Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get("http://api.test/user"))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Transport" })
      expect(error.cause).toBeInstanceOf(RangeError)
    }).pipe(Effect.provide(MockHttpClient.layer(() => Effect.succeed({ status: 99 }))))
  )

  it.effect("response builds a response for a request", () =>
    Effect.gen(function* () {
      const request = HttpClientRequest.get("http://api.test/x")
      const response = MockHttpClient.response(request, {
        body: [1, 2],
        headers: { "Content-Type": "application/x" }
      })
      expect(response.status).toBe(200)
      expect(response.request).toBe(request)
      expect(response.headers["content-type"]).toBe("application/x")
      expect(yield* response.json).toEqual([1, 2])
    })
  )

  it.effect("composes with other layers like a real client", () =>
    Effect.gen(function* () {
      const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
      const body = yield* client.get("http://api.test/user").pipe(Effect.flatMap((response) => response.json))
      expect(body).toEqual({ name: "Ada" })
    }).pipe(Effect.provide(Layer.fresh(Api)))
  )
})
