import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type HeaderList, HpackDecoder } from "../../../../src/internal/h2/codec/hpack-decoder.js"
import { HpackEncoder } from "../../../../src/internal/h2/codec/hpack-encoder.js"
import { huffmanLength } from "../../../../src/internal/h2/codec/huffman.js"

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

const decodeOk = (decoder: HpackDecoder, block: Uint8Array): HeaderList => {
  const result = decoder.decode(block, 1)
  if (!Array.isArray(result)) throw result
  return result
}

describe("HpackEncoder representations", () => {
  it("names a sensitive field by its static index, in a never-indexed literal", () => {
    // authorization is static 23: 0001 1111 + 8; then a fresh x-b: z, with indexing.
    expect(toHex(new HpackEncoder().encode(["authorization", "s", "x-b", "z"]))).toBe(
      "1f080173" + "4003782d62017a"
    )
  })

  it("sends a field with a static name and a new value as a literal with indexing, named by index", () => {
    const encoder = new HpackEncoder({ huffman: false })
    // content-type is static 31: 01 011111; then the field by its dynamic index 62.
    expect(toHex(encoder.encode(["content-type", "a/b"]))).toBe("5f" + "03612f62")
    expect(toHex(encoder.encode(["content-type", "a/b"]))).toBe("be")
    // A new value of a name now in both tables is named by the static index.
    expect(toHex(encoder.encode(["content-type", "c"]))).toBe("5f" + "0163")
  })

  it("names a field by its dynamic entry when only the dynamic table has the name", () => {
    const encoder = new HpackEncoder({ huffman: false })
    encoder.encode(["x-a", "1"])
    // 01 111110: named by index 62.
    expect(toHex(encoder.encode(["x-a", "2"]))).toBe("7e" + "0132")
    // Now x-a: 2 is 62, x-a: 1 is 63.
    expect(toHex(encoder.encode(["x-a", "1", "x-a", "2"]))).toBe("bfbe")
  })

  it("keeps rarely repeated fields out of the table, naming them by index", () => {
    const encoder = new HpackEncoder({ huffman: false })
    // etag is static 34: 0000 1111 + 19.
    expect(toHex(encoder.encode(["etag", "e"]))).toBe("0f13" + "0165")
    expect(encoder.tableSize).toBe(0)
    expect(toHex(encoder.encode(["x-request-id", "e"]))).toBe("00" + "0c782d726571756573742d6964" + "0165")
    expect(encoder.tableSize).toBe(0)
  })

  it("ignores a trailing name without a value", () => {
    expect(toHex(new HpackEncoder().encode([":method", "GET", ":path"]))).toBe("82")
  })
})

describe("HpackEncoder string literals", () => {
  it("Huffman-codes a string only when that is strictly shorter", () => {
    // x-a is 18 bits, three octets either way: sent as is. '1' is 5 bits, shorter in Huffman.
    expect(huffmanLength("x-a")).toBe(3)
    expect(toHex(new HpackEncoder().encode(["x-a", "1"]))).toBe("4003782d610131")
    // '&' takes 8 bits: one octet either way.
    expect(huffmanLength("&")).toBe(1)
    expect(toHex(new HpackEncoder().encode(["x-a", "&"]))).toBe("4003782d610126")
  })
})

describe("HpackEncoder table use", () => {
  it("indexes a field of up to three quarters of the table, and not one over", () => {
    // 3 + v + 32 octets against 3/4 of 4096 = 3072.
    const fits = new HpackEncoder({ huffman: false })
    fits.encode(["x-a", "v".repeat(3072 - 35)])
    expect(fits.tableSize).toBe(3072)
    const over = new HpackEncoder({ huffman: false })
    over.encode(["x-a", "v".repeat(3073 - 35)])
    expect(over.tableSize).toBe(0)
  })

  it("measures three quarters of the size the peer set", () => {
    const encoder = new HpackEncoder({ huffman: false })
    encoder.setPeerTableSize(400)
    encoder.encode(["x-a", "v".repeat(300 - 35)])
    expect(encoder.tableSize).toBe(300)
    encoder.encode(["x-b", "v".repeat(301 - 35)])
    expect(encoder.tableSize).toBe(300)
  })

  it("signals its own cap, once, in the first block", () => {
    const encoder = new HpackEncoder({ maxTableSize: 64 })
    // 001 11111 + 33 = 64, then x-a: 1.
    expect(toHex(encoder.encode(["x-a", "1"]))).toBe("3f21" + "4003782d610131")
    expect(toHex(encoder.encode(["x-a", "1"]))).toBe("be")
  })

  it("signals nothing when the peer sets the size in force, one update for a shrink", () => {
    const encoder = new HpackEncoder()
    encoder.setPeerTableSize(4096)
    expect(toHex(encoder.encode([":method", "GET"]))).toBe("82")
    encoder.setPeerTableSize(100)
    // 001 11111 + 69 = 100.
    expect(toHex(encoder.encode([":method", "GET"]))).toBe("3f45" + "82")
    encoder.setPeerTableSize(200)
    encoder.setPeerTableSize(300)
    // A growth in two steps: the smallest since the last block, then the size in force.
    expect(toHex(encoder.encode([":method", "GET"]))).toBe("3fa901" + "3f8d02" + "82")
  })

  it("signals a size set back to the one in force after a change", () => {
    const encoder = new HpackEncoder()
    encoder.encode([])
    encoder.setPeerTableSize(100)
    encoder.setPeerTableSize(4096)
    // The shrink evicted the table, so both updates go out.
    expect(toHex(encoder.encode([":method", "GET"]))).toBe("3f45" + "3fe11f" + "82")
  })

  it("defaults to the protocol's 4096-octet table", () => {
    const encoder = new HpackEncoder({ huffman: false })
    encoder.setPeerTableSize(1 << 20)
    expect(toHex(encoder.encode([":method", "GET"]))).toBe("82")
  })
})

describe("HpackEncoder buffer", () => {
  it("encodes blocks of any size, however the buffer had grown before", () => {
    const value = fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      maxLength: 3000
    })
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("x-a", "etag", "cookie"), value), { maxLength: 6 }),
        fc.boolean(),
        (fields, huffman) => {
          const encoder = new HpackEncoder({ huffman })
          const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 30 })
          const headers = fields.flat()
          expect(decodeOk(decoder, encoder.encode(headers))).toEqual(headers)
          expect(decodeOk(decoder, encoder.encode(headers))).toEqual(headers)
        }
      ),
      { numRuns: 100 }
    )
  })

  it("holds a block of many long literals, each with the most integer octets", () => {
    const encoder = new HpackEncoder({ huffman: false, maxTableSize: 0 })
    const headers: Array<string> = []
    for (let i = 0; i < 50; i++) headers.push(`x-${i}`, "\u00ff".repeat(200 + i))
    expect(decodeOk(new HpackDecoder({ maxHeaderListSize: 1 << 30 }), encoder.encode(headers))).toEqual(
      headers
    )
  })

  it("grows its buffer for a single literal just past its initial size", () => {
    // 1 + 1 + 3 + 3 + 1020 = 1028 octets, over the initial 1024.
    const headers = ["x-a", "\u00ff".repeat(1020)]
    const block = new HpackEncoder({ huffman: false }).encode(headers)
    expect(block).toHaveLength(1028)
    expect(decodeOk(new HpackDecoder(), block)).toEqual(headers)
  })
})
