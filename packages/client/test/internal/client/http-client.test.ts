import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Chunk, Effect, Layer, Stream } from "effect"

const client = Requests.layer({ tls: { ca: TestCerts.ca } })

const echo = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(HttpClient.execute(request), (r) => r.json) as Effect.Effect<
    { method: string; url: string; headers: Record<string, string>; body: string },
    unknown,
    HttpClient.HttpClient
  >

describe("HttpClient over HTTP/1.1", () => {
  it.scoped("sends GET, POST, PUT, DELETE and HEAD", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const url = `${server.url}/echo?q=1`
      const get = yield* echo(HttpClientRequest.get(url))
      expect(get).toMatchObject({ method: "GET", url: "/echo?q=1", body: "" })
      const post = yield* echo(
        HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText("hello", "text/plain"))
      )
      expect(post).toMatchObject({ method: "POST", body: "hello" })
      expect(post.headers["content-type"]).toBe("text/plain")
      expect(post.headers["content-length"]).toBe("5")
      const put = yield* echo(HttpClientRequest.put(url).pipe(HttpClientRequest.bodyUnsafeJson({ a: 1 })))
      expect(put).toMatchObject({ method: "PUT", body: '{"a":1}' })
      const del = yield* echo(HttpClientRequest.del(url))
      expect(del.method).toBe("DELETE")
      const head = yield* HttpClient.head(`${server.url}/bytes/1024`)
      expect(head.status).toBe(200)
      expect(head.headers["content-length"]).toBe("1024")
      expect(yield* head.text).toBe("")
      // Every exchange above went over the one keep-alive connection.
      expect(server.stats.connectionsOpened).toBe(1)
    }).pipe(Effect.provide(client))
  )

  it.scoped("reuses one connection for 100 sequential requests and counts them", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      for (let i = 0; i < 100; i++) {
        const body = yield* Effect.flatMap(HttpClient.get(`${server.url}/bytes/1024`), (r) => r.arrayBuffer)
        expect(body.byteLength).toBe(1024)
      }
      expect(server.stats.connectionsOpened).toBe(1)
      const stats = yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
      expect(stats.requestsMade).toBe(100)
    }).pipe(Effect.provide(client))
  )

  it.scoped("speaks HTTPS with a custom CA", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({ tls: true })
      const response = yield* HttpClient.get(`https://localhost:${server.port}/bytes/26`)
      expect(yield* response.text).toBe("abcdefghijklmnopqrstuvwxyz")
      expect(response.remoteAddress._tag).toBe("Some")
    }).pipe(Effect.provide(client))
  )

  it.scoped("sends every HttpBody kind", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const url = `${server.url}/echo`
      const bytes = yield* echo(
        HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUint8Array(new Uint8Array([104, 105])))
      )
      expect(bytes.body).toBe("hi")
      const raw = yield* echo(
        HttpClientRequest.post(url).pipe(HttpClientRequest.setBody(HttpBody.raw("raw text")))
      )
      expect(raw.body).toBe("raw text")
      const streamed = yield* echo(
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.bodyStream(Stream.make("a", "b", "c").pipe(Stream.encodeText))
        )
      )
      expect(streamed.body).toBe("abc")
      expect(streamed.headers["transfer-encoding"]).toBe("chunked")
      const form = new FormData()
      form.append("field", "value")
      const multipart = yield* echo(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyFormData(form)))
      expect(multipart.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(multipart.body).toContain('name="field"')
      expect(multipart.body).toContain("value")
    }).pipe(Effect.provide(client))
  )

  it.scoped("exposes status, headers, cookies, json, text and stream", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const cookies = yield* HttpClient.get(`${server.url}/set-cookie`)
      expect(Object.keys(cookies.cookies.cookies).length).toBe(2)
      const notFound = yield* HttpClient.get(`${server.url}/status/404`)
      expect(notFound.status).toBe(404)
      const chunks = yield* HttpClient.get(`${server.url}/chunked/100000?size=1000`).pipe(
        Effect.flatMap((r) => Stream.runCollect(r.stream))
      )
      expect(Chunk.reduce(chunks, 0, (n, c) => n + c.byteLength)).toBe(100000)
      const twice = yield* HttpClient.get(`${server.url}/bytes/26`)
      const first = yield* twice.text
      expect(first).toHaveLength(26)
      // The body is read once and kept: a second read gives the same text.
      expect(yield* twice.text).toBe(first)
      expect(new Uint8Array(yield* twice.arrayBuffer)).toEqual(new TextEncoder().encode(first))
    }).pipe(Effect.provide(client))
  )

  it.scoped("creates a span per request when tracing is on", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make()
      const response = yield* HttpClient.get(`${server.url}/echo`)
      const seen = (yield* response.json) as { headers: Record<string, string> }
      // The platform's tracing client propagates the span as a b3 header.
      expect(seen.headers["b3"]).toBeDefined()
    }).pipe(Effect.provide(Requests.layer({ tracing: true })), Effect.withTracerEnabled(true))
  )

  it.effect("maps an invalid URL to RequestError InvalidUrl", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(HttpClient.get("ftp://example.invalid/"))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "InvalidUrl" })
      expect(error.cause).toMatchObject({ _tag: "InvalidRequestError", reason: "InvalidUrl" })
    }).pipe(Effect.provide(Layer.fresh(client)))
  )

  it.scoped("decodes form bodies: multipart and url-encoded", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (req, res) => {
          if (req.url === "/form") {
            res.writeHead(200, { "content-type": "multipart/form-data; boundary=XyZ" })
            res.end('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n')
          } else {
            res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
            res.end("a=1&b=two")
          }
        }
      })
      const form = yield* Effect.flatMap(HttpClient.get(`${server.url}/form`), (r) => r.formData)
      expect(form.get("a")).toBe("1")
      const params = yield* Effect.flatMap(HttpClient.get(`${server.url}/params`), (r) => r.urlParamsBody)
      expect(params).toEqual([
        ["a", "1"],
        ["b", "two"]
      ])
    }).pipe(Effect.provide(client))
  )
})
