import * as zlib from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fc from "fast-check"
import { codingsToUndo, decode } from "../../../src/internal/batteries/decoders.js"

const encoders: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: (bytes) => zlib.gzipSync(bytes),
  deflate: (bytes) => zlib.deflateSync(bytes),
  br: (bytes) => zlib.brotliCompressSync(bytes)
}

/** `bytes` cut at the given points, as a network would deliver them. */
const cut = (bytes: Buffer, points: ReadonlyArray<number>): Array<Uint8Array> => {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const parts: Array<Uint8Array> = []
  let start = 0
  for (const point of [...at, bytes.length]) {
    parts.push(bytes.subarray(start, point))
    start = point
  }
  return parts
}

const decodeAll = (contentEncoding: string, parts: ReadonlyArray<Uint8Array>) => {
  let stream: Stream.Stream<Uint8Array, string> = Stream.fromIterable(parts)
  for (const coding of codingsToUndo(contentEncoding)!) stream = decode(coding, stream, () => "decode failed")
  return Effect.map(Stream.runCollect(stream), (chunks) => Buffer.concat(Chunk.toArray(chunks)))
}

describe("decoders", () => {
  it.effect("any body in any stack of codings, cut anywhere, decodes to itself", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 4096 }),
          fc.array(fc.constantFrom("gzip", "deflate", "br"), { minLength: 1, maxLength: 3 }),
          fc.array(fc.nat(), { maxLength: 8 }),
          async (body, codings, points) => {
            const encoded = codings.reduce<Buffer>((acc, coding) => encoders[coding]!(acc), Buffer.from(body))
            const decoded = await Effect.runPromise(decodeAll(codings.join(", "), cut(encoded, points)))
            expect(decoded.equals(Buffer.from(body))).toBe(true)
          }
        ),
        { numRuns: 200 }
      )
    )
  )

  it.effect("a failure of the source comes out unchanged", () =>
    Effect.gen(function* () {
      const source = Stream.concat(
        Stream.make(zlib.gzipSync("abc").subarray(0, 5)),
        Stream.fail("source failed")
      )
      const error = yield* Effect.flip(
        Stream.runDrain(decode(codingsToUndo("gzip")![0]!, source, () => "decode failed"))
      )
      expect(error).toBe("source failed")
      const early = yield* Effect.flip(
        Stream.runDrain(decode(codingsToUndo("br")![0]!, Stream.fail("at once"), () => "x"))
      )
      expect(early).toBe("at once")
    })
  )

  it("reads Content-Encoding as a list, last applied first, and refuses unknown codings", () => {
    expect(codingsToUndo("gzip, br")!.map((c) => c.name)).toEqual(["br", "gzip"])
    expect(codingsToUndo("identity, GZIP")!.map((c) => c.name)).toEqual(["gzip"])
    expect(codingsToUndo("identity")).toEqual([])
    expect(codingsToUndo("gzip, compress")).toBeUndefined()
  })
})
