import type * as http from "node:http"
import * as zlib from "node:zlib"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { HttpTestServer, LeakCheck } from "@effect-requests/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Decompression from "../src/Decompression.js"
import type { BatteryEvent } from "../src/Decompression.js"
import { memoryGrowth } from "./helpers.js"

const json = { hello: "world", list: Array.from({ length: 200 }, (_, i) => `item ${i}`) }
const body = Buffer.from(JSON.stringify(json))

const encoders: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: (bytes) => zlib.gzipSync(bytes),
  deflate: (bytes) => zlib.deflateSync(bytes),
  br: (bytes) => zlib.brotliCompressSync(bytes)
}

/** Encodes `bytes` with each coding of `codings` in the order given, as `Content-Encoding` lists them. */
const encode = (bytes: Buffer, codings: ReadonlyArray<string>): Buffer =>
  codings.reduce((acc, coding) => encoders[coding]!(acc), bytes)

const send = (res: http.ServerResponse, bytes: Buffer, contentEncoding?: string) => {
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": bytes.length,
    ...(contentEncoding === undefined ? {} : { "content-encoding": contentEncoding })
  })
  res.end(bytes)
}

/** A server answering every request with `body` in the codings its path names, e.g. `/gzip,br`. */
const codingServer = (seen: Array<http.IncomingHttpHeaders> = []) =>
  HttpTestServer.make({
    handler: (req, res) => {
      seen.push(req.headers)
      const codings = decodeURIComponent(req.url!.slice(1))
        .split(",")
        .filter((c) => c !== "")
      send(res, encode(body, codings), codings.join(", ") || undefined)
    }
  })

const decompressing = (options?: Decompression.Options) =>
  Effect.map(HttpClient.HttpClient, Decompression.decompression(options))

describe("Decompression", () => {
  it.scoped("asks for the codings it decodes and decodes each of them", () =>
    Effect.gen(function* () {
      const seen: Array<http.IncomingHttpHeaders> = []
      const server = yield* codingServer(seen)
      const client = yield* decompressing()
      for (const codings of ["gzip", "deflate", "br", "gzip,br", "deflate,gzip", ""]) {
        const response = yield* client.get(`${server.url}/${codings}`)
        expect(yield* response.json).toEqual(json)
        expect(response.headers["content-encoding"]).toBeUndefined()
        if (codings !== "") expect(response.headers["content-length"]).toBeUndefined()
        expect(response.headers["content-type"]).toBe("application/json")
      }
      expect(seen.every((headers) => headers["accept-encoding"] === Decompression.acceptEncoding)).toBe(true)
      expect(Decompression.acceptEncoding.startsWith("gzip, deflate, br")).toBe(true)
      expect(Decompression.acceptEncoding.includes("zstd")).toBe("createZstdDecompress" in zlib)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("every body accessor sees decoded bytes, as often as asked", () =>
    Effect.gen(function* () {
      const server = yield* codingServer()
      const client = yield* decompressing()
      const response = yield* client.get(`${server.url}/gzip`)
      expect(yield* response.text).toBe(body.toString())
      expect(yield* response.json).toEqual(json)
      expect(Buffer.from(yield* response.arrayBuffer).equals(body)).toBe(true)
      const streamed = yield* client
        .get(`${server.url}/br`)
        .pipe(Effect.flatMap((response) => Stream.runCollect(response.stream)))
      expect(Buffer.concat(Chunk.toArray(streamed)).equals(body)).toBe(true)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("keeps the caller's Accept-Encoding; passes unknown codings, HEAD, 204 and 304 through", () =>
    Effect.gen(function* () {
      const seen: Array<http.IncomingHttpHeaders> = []
      const server = yield* HttpTestServer.make({
        handler: (req, res) => {
          seen.push(req.headers)
          if (req.url === "/204") return void res.writeHead(204, { "content-encoding": "gzip" }).end()
          if (req.url === "/304") return void res.writeHead(304, { "content-encoding": "gzip" }).end()
          if (req.url === "/compress") return send(res, Buffer.from("raw"), "compress")
          send(res, zlib.gzipSync(body), "gzip")
        }
      })
      const client = yield* decompressing()
      const own = yield* client.get(`${server.url}/gzip`, { headers: { "accept-encoding": "gzip" } })
      expect(seen[0]!["accept-encoding"]).toBe("gzip")
      expect(yield* own.text).toBe(body.toString())
      const head = yield* client.head(`${server.url}/gzip`)
      expect(head.headers["content-encoding"]).toBe("gzip")
      for (const status of [204, 304]) {
        const response = yield* client.get(`${server.url}/${status}`)
        expect(response.status).toBe(status)
        expect(response.headers["content-encoding"]).toBe("gzip")
      }
      const unknown = yield* client.get(`${server.url}/compress`)
      expect(unknown.headers["content-encoding"]).toBe("compress")
      expect(yield* unknown.text).toBe("raw")
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("deflate as a bare deflate stream, as some servers send it, decodes too", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => send(res, zlib.deflateRawSync(body), "deflate")
      })
      const client = yield* decompressing()
      expect(yield* Effect.flatMap(client.get(server.url), (r) => r.json)).toEqual(json)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("a body cut short fails its reader, whatever the layer", () =>
    Effect.gen(function* () {
      const gzipped = zlib.gzipSync(body)
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip", "content-length": gzipped.length })
          res.write(gzipped.subarray(0, 20), () => res.destroy())
        }
      })
      const client = yield* decompressing()
      const error = yield* Effect.flip(Effect.flatMap(client.get(server.url), (r) => r.text))
      expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("an empty body in a coding decodes to nothing", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => send(res, Buffer.alloc(0), "gzip")
      })
      const client = yield* decompressing()
      expect(yield* Effect.flatMap(client.get(server.url), (r) => r.text)).toBe("")
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("decodes as the body streams in, without waiting for its end", () =>
    Effect.gen(function* () {
      let finish = () => {}
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip" })
          const gzip = zlib.createGzip()
          gzip.pipe(res)
          gzip.write("first part")
          gzip.flush()
          finish = () => gzip.end(" and the rest")
        }
      })
      const client = yield* decompressing()
      const response = yield* client.get(server.url)
      const parts: Array<string> = []
      yield* response.stream.pipe(
        Stream.decodeText(),
        Stream.runForEach((text) =>
          Effect.sync(() => {
            parts.push(text)
            if (parts.length === 1) finish()
          })
        )
      )
      expect(parts[0]).toBe("first part")
      expect(parts.join("")).toBe("first part and the rest")
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("a reader that stops early leaves no decoder or connection behind", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => {
          res.writeHead(200, { "content-encoding": "gzip" })
          const gzip = zlib.createGzip()
          gzip.pipe(res)
          // Far more than the client reads; the server keeps writing until the client goes.
          gzip.write(Buffer.alloc(256 * 1024, 1))
          gzip.flush()
        }
      })
      const baseline = yield* LeakCheck.snapshot
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Requests.layer({ batteries: false }), scope)
      const client = yield* Effect.provide(decompressing(), context)
      const first = yield* client.get(server.url).pipe(
        Effect.flatMap((response) => Stream.runHead(response.stream)),
        Effect.provide(context)
      )
      expect(first._tag).toBe("Some")
      // The body was abandoned mid-way: its connection goes without waiting for the layer.
      yield* server.awaitClosedConnections(1)
      yield* Scope.close(scope, Exit.void)
      yield* LeakCheck.assertNoLeaks(baseline)
    })
  )

  it.scoped("a corrupt body fails its reader with a DecompressionError", () =>
    Effect.gen(function* () {
      const server = yield* HttpTestServer.make({
        handler: (_req, res) => send(res, Buffer.from("definitely not gzip"), "gzip")
      })
      const client = yield* decompressing()
      const error = yield* Effect.flip(Effect.flatMap(client.get(server.url), (r) => r.text))
      expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
      expect(error.cause).toMatchObject({ _tag: "DecompressionError", encoding: "gzip" })
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("reports what it decoded", () =>
    Effect.gen(function* () {
      const events: Array<BatteryEvent> = []
      const server = yield* codingServer()
      const client = yield* decompressing({ events: (event) => events.push(event) })
      yield* Effect.flatMap(client.get(`${server.url}/gzip,br`), (r) => r.text)
      expect(events).toEqual([
        {
          _tag: "Decompressed",
          endpoint: server.url,
          url: `${server.url}/gzip,br`,
          encodings: ["br", "gzip"],
          encodedBytes: encode(body, ["gzip", "br"]).length,
          decodedBytes: body.length
        }
      ])
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )

  it.scoped("disabled sends no Accept-Encoding and hands back the bytes as sent", () =>
    Effect.gen(function* () {
      const seen: Array<http.IncomingHttpHeaders> = []
      const server = yield* codingServer(seen)
      const client = yield* decompressing()
      const response = yield* Decompression.disabled(client.get(`${server.url}/gzip`))
      expect(seen[0]!["accept-encoding"]).toBeUndefined()
      expect(response.headers["content-encoding"]).toBe("gzip")
      expect(Buffer.from(yield* response.arrayBuffer).equals(zlib.gzipSync(body))).toBe(true)
    }).pipe(Effect.provide(Requests.layer({ batteries: false })))
  )
})

describe("Decompression limits", () => {
  const MiB = 1024 * 1024
  /** A gzip member of 1 MiB of zeros: about 1 KiB. */
  const member = zlib.gzipSync(Buffer.alloc(MiB))
  /** 1024 members: 1 GiB of zeros in about 1 MiB of gzip. */
  const gibibyte = Buffer.concat(Array.from({ length: 1024 }, () => member))
  /** The same, gzipped again: 1 GiB in a few KiB, as `Content-Encoding: gzip, gzip`. */
  const nested = zlib.gzipSync(gibibyte, { level: 9 })

  const bombServer = (bytes: Buffer, contentEncoding: string) =>
    HttpTestServer.make({ handler: (_req, res) => send(res, bytes, contentEncoding) })

  it.scoped(
    "a few KiB that inflate to 1 GiB fail on the ratio, in bounded memory",
    () =>
      Effect.gen(function* () {
        expect(nested.length).toBeLessThan(16 * 1024)
        const server = yield* bombServer(nested, "gzip, gzip")
        const client = yield* decompressing()
        const memory = memoryGrowth()
        const error = yield* client.get(server.url).pipe(
          Effect.flatMap((response) => Stream.runDrain(Stream.tap(response.stream, () => memory.sample))),
          Effect.flip
        )
        expect(error.cause).toMatchObject({
          _tag: "DecompressionLimitError",
          limit: "maxRatio",
          maxRatio: 100
        })
        const cause = error.cause as Decompression.DecompressionLimitError
        expect(cause.decodedBytes).toBeGreaterThan(MiB)
        expect(cause.decodedBytes).toBeLessThan(2 * MiB)
        expect(memory.peakGrowth()).toBeLessThan(48 * MiB)
      }).pipe(Effect.provide(Requests.layer({ batteries: false }))),
    // Inflates up to 1 GiB.
    60_000
  )

  it.scoped(
    "maxBodySize holds even when the ratio is allowed",
    () =>
      Effect.gen(function* () {
        const server = yield* bombServer(gibibyte, "gzip")
        const client = yield* decompressing({ maxRatio: Number.POSITIVE_INFINITY, maxBodySize: 64 * MiB })
        const memory = memoryGrowth()
        let chunks = 0
        // Samples every 16th chunk: each eighth sample collects garbage, which is slow.
        const sample = Effect.suspend(() => (++chunks % 16 === 0 ? memory.sample : Effect.void))
        const read = (effect: typeof client.get extends (...args: never) => infer A ? A : never) =>
          effect.pipe(
            Effect.flatMap((response) => Stream.runDrain(Stream.tap(response.stream, () => sample))),
            Effect.flip
          )
        const error = yield* read(client.get(server.url))
        expect(error.cause).toMatchObject({ _tag: "DecompressionLimitError", limit: "maxBodySize" })
        expect((error.cause as Decompression.DecompressionLimitError).decodedBytes).toBeLessThan(65 * MiB)
        expect(memory.peakGrowth()).toBeLessThan(48 * MiB)
        // One request may ask for less.
        const small = yield* read(Decompression.withMaxBodySize(client.get(server.url), 2 * MiB))
        expect((small.cause as Decompression.DecompressionLimitError).decodedBytes).toBeLessThan(3 * MiB)
      }).pipe(Effect.provide(Requests.layer({ batteries: false }))),
    // Inflates 64 MiB twice, collecting garbage as it samples memory.
    60_000
  )
})
