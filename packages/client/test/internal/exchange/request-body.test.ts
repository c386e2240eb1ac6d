/**
 * From the platform's `HttpBody` to what the wire needs, and the method
 * classes the pools decide framing and replays by.
 */
import { Readable } from "node:stream"
import * as HttpBody from "@effect/platform/HttpBody"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidRequestError } from "../../../src/Errors.js"
import { expectsBody, isIdempotent, prepareBody } from "../../../src/internal/exchange/request-body.js"
import { joinChunks } from "../../../src/internal/exchange/chunks.js"
import { BufferedBody } from "../../../src/internal/exchange/buffered-body.js"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  Effect.map(Stream.runCollect(stream), (chunks) => text(joinChunks(Chunk.toReadonlyArray(chunks))))

describe("method classes", () => {
  it("expectsBody: POST, PUT and PATCH only", () => {
    for (const m of ["POST", "PUT", "PATCH"]) expect(expectsBody(m)).toBe(true)
    for (const m of ["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT", "post"])
      expect(expectsBody(m)).toBe(false)
  })

  it("isIdempotent: the methods of RFC 9110 §9.2.2", () => {
    for (const m of ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]) expect(isIdempotent(m)).toBe(true)
    for (const m of ["POST", "PATCH", "CONNECT", "get"]) expect(isIdempotent(m)).toBe(false)
  })
})

describe("prepareBody", () => {
  it("empty and byte bodies", () => {
    expect(prepareBody(HttpBody.empty)).toEqual({ _tag: "Empty" })
    const bytes = new Uint8Array([1, 2])
    expect(prepareBody(HttpBody.uint8Array(bytes, "application/x-thing"))).toEqual({
      _tag: "Bytes",
      bytes,
      contentType: "application/x-thing"
    })
  })

  it("a stream body keeps its stream, length and type", () => {
    const stream = Stream.make(new TextEncoder().encode("ab"))
    const prepared = prepareBody(HttpBody.stream(stream, "text/plain", 2))
    expect(prepared).toMatchObject({ _tag: "Stream", stream, length: 2, contentType: "text/plain" })
  })

  it.effect("form data is encoded as multipart with its boundary in the content type", () =>
    Effect.gen(function* () {
      const form = new FormData()
      form.append("field", "value")
      const prepared = prepareBody(HttpBody.formData(form))
      if (prepared instanceof InvalidRequestError || prepared._tag !== "Stream") {
        return expect.fail(`a stream, not ${JSON.stringify(prepared)}`)
      }
      expect(prepared.length).toBeUndefined()
      const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(prepared.contentType ?? "")?.[1]
      expect(boundary).toBeDefined()
      const encoded = yield* collect(prepared.stream)
      expect(encoded).toContain(`--${boundary}`)
      expect(encoded).toContain('name="field"')
      expect(encoded).toContain("value")
    })
  )

  it.effect("raw bodies: bytes, strings, ArrayBuffers, web streams and node streams", () =>
    Effect.gen(function* () {
      const bytes = new Uint8Array([104, 105])
      expect(prepareBody(HttpBody.raw(bytes, { contentType: "a/b" }))).toEqual({
        _tag: "Bytes",
        bytes,
        contentType: "a/b"
      })
      const fromString = prepareBody(HttpBody.raw("hé", { contentType: "text/plain" }))
      expect(fromString).toMatchObject({ _tag: "Bytes", contentType: "text/plain" })
      expect(fromString._tag === "Bytes" && Array.from(fromString.bytes)).toEqual([104, 0xc3, 0xa9])
      const fromBuffer = prepareBody(HttpBody.raw(new Uint8Array([7, 8]).buffer))
      expect(fromBuffer._tag === "Bytes" && Array.from(fromBuffer.bytes)).toEqual([7, 8])

      const web = new Blob(["web body"]).stream()
      const fromWeb = prepareBody(HttpBody.raw(web, { contentType: "x/y", contentLength: 8 }))
      if (fromWeb._tag !== "Stream") return expect.fail("a stream")
      expect(fromWeb).toMatchObject({ length: 8, contentType: "x/y" })
      expect(yield* collect(fromWeb.stream)).toBe("web body")

      const node = Readable.from([Buffer.from("node "), Buffer.from("body")])
      const fromNode = prepareBody(HttpBody.raw(node, { contentLength: 9 }))
      if (fromNode._tag !== "Stream") return expect.fail("a stream")
      expect(fromNode).toMatchObject({ length: 9, contentType: undefined })
      expect(yield* collect(fromNode.stream)).toBe("node body")
    })
  )

  it.effect("a web or node stream body that fails fails the stream with its own error", () =>
    Effect.gen(function* () {
      const broken = new Error("source broke")
      const web = new ReadableStream<Uint8Array>({
        start: (controller) => controller.error(broken)
      })
      const fromWeb = prepareBody(HttpBody.raw(web))
      if (fromWeb._tag !== "Stream") return expect.fail("a stream")
      expect(yield* Effect.flip(Stream.runDrain(fromWeb.stream))).toBe(broken)

      const node = new Readable({ read: () => node.destroy(broken) })
      const fromNode = prepareBody(HttpBody.raw(node))
      if (fromNode._tag !== "Stream") return expect.fail("a stream")
      expect(yield* Effect.flip(Stream.runDrain(fromNode.stream))).toBe(broken)
    })
  )

  it("a raw body of another type is an InvalidRequestError naming the type", () => {
    expect(prepareBody(HttpBody.raw(42))).toEqual(
      new InvalidRequestError({ reason: "InvalidBody", detail: "unsupported raw body of type number" })
    )
    expect(prepareBody(HttpBody.raw(null))).toMatchObject({
      _tag: "InvalidRequestError",
      detail: "unsupported raw body of type null"
    })
  })
})

describe("joinChunks", () => {
  it("joins in order; one chunk is handed back as it is", () => {
    const one = new Uint8Array([1])
    expect(joinChunks([one])).toBe(one)
    expect(Array.from(joinChunks([]))).toEqual([])
    expect(Array.from(joinChunks([new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])]))).toEqual(
      [1, 2, 3]
    )
  })
})

describe("BufferedBody", () => {
  it.effect("hands its bytes out once, by any read", () =>
    Effect.gen(function* () {
      const all = new BufferedBody(new Uint8Array([1, 2]))
      expect(all.settled).toBe(true)
      expect(Array.from(yield* all.readAtMost(1))).toEqual([1, 2])
      expect(Array.from(yield* all.readAll)).toEqual([])

      const pulled = new BufferedBody(new Uint8Array([3]))
      expect(Chunk.toReadonlyArray(yield* pulled.pull).map((c) => Array.from(c))).toEqual([[3]])
      expect(yield* Effect.flip(pulled.pull)).toMatchObject({ _tag: "None" })

      const abandoned = new BufferedBody(new Uint8Array([4]))
      abandoned.abandon()
      expect(yield* Effect.flip(abandoned.pull)).toMatchObject({ _tag: "None" })
      expect(Array.from(abandoned.takeAll())).toEqual([])
    })
  )
})
