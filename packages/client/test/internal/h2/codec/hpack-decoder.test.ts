import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { H2ConnectionError, H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import { type HeaderList, HpackDecoder } from "../../../../src/internal/h2/codec/hpack-decoder.js"
import { encodeInteger, MAX_INTEGER } from "../../../../src/internal/h2/codec/hpack-integer.js"

const hex = (dump: string): Uint8Array => new Uint8Array(Buffer.from(dump.replace(/\s+/g, ""), "hex"))

const decodeOk = (decoder: HpackDecoder, block: Uint8Array): HeaderList => {
  const result = decoder.decode(block, 1)
  if (!Array.isArray(result)) throw result
  return result
}

const reasonOf = (decoder: HpackDecoder, block: Uint8Array): string => {
  const result = decoder.decode(block, 1)
  expect(result).toBeInstanceOf(H2ConnectionError)
  return (result as H2ConnectionError).reason
}

/** A size update (001 prefix, 5 bits) to `size`. */
const sizeUpdate = (size: number): Uint8Array => {
  const out = new Uint8Array(8)
  return out.subarray(0, encodeInteger(out, 0, size, 5, 0x20))
}

describe("HpackDecoder, the last static entry and the first dynamic one", () => {
  it("reads index 61 from the static table and 62 from the dynamic table", () => {
    const decoder = new HpackDecoder()
    expect(decodeOk(decoder, hex("bd"))).toEqual(["www-authenticate", ""])
    // A literal named by index 61, without indexing: 0000 1111 + 46.
    expect(decodeOk(decoder, hex("0f2e 0178"))).toEqual(["www-authenticate", "x"])
    expect(reasonOf(new HpackDecoder(), hex("be"))).toBe("InvalidIndex")
    expect(decodeOk(decoder, hex("4001 6101 62 be"))).toEqual(["a", "b", "a", "b"])
  })

  it("reads a literal with indexing named by a dynamic entry", () => {
    const decoder = new HpackDecoder()
    // a: b, then a: c named by index 62 (0100 0000 | 62 = 0x7e), then both by index.
    expect(decodeOk(decoder, hex("4001 6101 62 7e01 63 be bf"))).toEqual([
      "a",
      "b",
      "a",
      "c",
      "a",
      "c",
      "a",
      "b"
    ])
    expect(decoder.tableSize).toBe(68)
  })

  it("takes a Buffer or any view into a larger buffer", () => {
    const backing = new Uint8Array([0xff, 0x82, 0x84, 0xff])
    expect(decodeOk(new HpackDecoder(), backing.subarray(1, 3))).toEqual([":method", "GET", ":path", "/"])
    expect(decodeOk(new HpackDecoder(), Buffer.from(backing.subarray(1, 3)))).toEqual([
      ":method",
      "GET",
      ":path",
      "/"
    ])
  })
})

describe("HpackDecoder integers", () => {
  it("accepts the largest integer, 2^32 - 1, and reads it whole", () => {
    // A size update of 2^32 - 1 is an integer in range, over any table size limit.
    expect(reasonOf(new HpackDecoder(), sizeUpdate(MAX_INTEGER))).toBe("TableSizeOverLimit")
    expect(reasonOf(new HpackDecoder(), sizeUpdate(MAX_INTEGER + 1))).toBe("IntegerOverflow")
  })

  it("accepts five continuation octets, zero-valued ones included, and refuses a sixth", () => {
    // 1111 (4-bit prefix, literal without indexing, new name) then continuations: index 15 + 0.
    const decoder = new HpackDecoder()
    expect(decodeOk(decoder, hex("0f 80 80 80 80 00 0161"))).toEqual(["accept-charset", "a"])
    expect(reasonOf(new HpackDecoder(), hex("0f 80 80 80 80 80 00 0161"))).toBe("IntegerOverflow")
  })

  it("reports an integer cut short after a continuation octet as truncated", () => {
    expect(reasonOf(new HpackDecoder(), hex("ff 80"))).toBe("Truncated")
    expect(reasonOf(new HpackDecoder(), hex("0f"))).toBe("Truncated")
  })

  it("reads a value from continuation octets, low group first", () => {
    // Index 127 + 1 + 2 * 128 = 384 does not exist: the message carries it.
    const result = new HpackDecoder().decode(hex("ff 81 02"), 1)
    expect(result).toBeInstanceOf(H2ConnectionError)
    expect((result as H2ConnectionError).detail).toContain("index 384")
  })
})

describe("HpackDecoder string literals", () => {
  it("refuses a block that ends before the value's string", () => {
    expect(reasonOf(new HpackDecoder(), hex("4001 61"))).toBe("Truncated")
    expect(reasonOf(new HpackDecoder(), hex("0f2e"))).toBe("Truncated")
  })

  it("takes a string that ends exactly at the end of the block", () => {
    expect(decodeOk(new HpackDecoder(), hex("0001 6102 6263"))).toEqual(["a", "bc"])
    expect(reasonOf(new HpackDecoder(), hex("0001 6103 6263"))).toBe("Truncated")
  })

  it("reads a string's length with a 7-bit prefix, whatever the Huffman bit", () => {
    const long = "v".repeat(200)
    const block = Uint8Array.from([0x00, 0x01, 0x61, 0x7f, 200 - 127, ...Buffer.from(long, "latin1")])
    expect(decodeOk(new HpackDecoder(), block)).toEqual(["a", long])
  })
})

describe("HpackDecoder size updates", () => {
  it("accepts an update up to the limit, refuses one past it", () => {
    const decoder = new HpackDecoder()
    decoder.setTableSizeLimit(300)
    expect(decodeOk(decoder, sizeUpdate(300))).toEqual([])
    expect(decoder.maxTableSize).toBe(300)
    expect(reasonOf(decoder, sizeUpdate(301))).toBe("TableSizeOverLimit")
  })

  it("needs no update when the limit is lowered to the table's size, or raised", () => {
    const same = new HpackDecoder()
    same.setTableSizeLimit(4096)
    expect(decodeOk(same, hex("82"))).toEqual([":method", "GET"])
    const raised = new HpackDecoder()
    raised.setTableSizeLimit(8192)
    expect(decodeOk(raised, hex("82"))).toEqual([":method", "GET"])
    expect(decodeOk(raised, sizeUpdate(8192))).toEqual([])
  })

  it("takes several updates at the start of a block, then no longer requires one", () => {
    const decoder = new HpackDecoder()
    decoder.setTableSizeLimit(100)
    expect(decodeOk(decoder, new Uint8Array([...sizeUpdate(0), ...sizeUpdate(100), 0x82]))).toEqual([
      ":method",
      "GET"
    ])
    expect(decodeOk(decoder, hex("82"))).toEqual([":method", "GET"])
  })

  it("evicts what a smaller size update leaves no room for", () => {
    const decoder = new HpackDecoder()
    decodeOk(decoder, hex("4001 6101 62"))
    expect(decoder.tableSize).toBe(34)
    decodeOk(decoder, sizeUpdate(33))
    expect(decoder.tableSize).toBe(0)
    expect(reasonOf(decoder, hex("be"))).toBe("InvalidIndex")
  })
})

describe("HpackDecoder header list size", () => {
  // x-one: 20 a's counts 5 + 20 + 32 = 57 octets.
  const block = new Uint8Array([0x00, 0x05, ...Buffer.from("x-one"), 20, ...Buffer.from("a".repeat(20))])

  it("accepts a list of exactly the limit", () => {
    expect(decodeOk(new HpackDecoder({ maxHeaderListSize: 57 }), block)).toEqual(["x-one", "a".repeat(20)])
  })

  it("refuses a list one octet over, as a CANCEL of the stream", () => {
    const result = new HpackDecoder({ maxHeaderListSize: 56 }).decode(block, 5)
    expect(result).toBeInstanceOf(H2StreamError)
    expect(result).toMatchObject({ streamId: 5, code: ErrorCode.CANCEL, reason: "HeaderListTooLarge" })
    expect((result as H2StreamError).detail).toBe("header list of 57 octets, over the limit 56")
  })

  it("defaults to 65536 octets", () => {
    // One field named a, of 1 + v + 32 octets.
    const of = (total: number): Uint8Array => {
      const v = total - 33
      const out = new Uint8Array(v + 16)
      out.set([0x00, 0x01, 0x61])
      const at = encodeInteger(out, 3, v, 7, 0)
      out.fill(0x61, at, at + v)
      return out.subarray(0, at + v)
    }
    expect(decodeOk(new HpackDecoder(), of(65_536))).toHaveLength(2)
    expect(new HpackDecoder().decode(of(65_537), 1)).toBeInstanceOf(H2StreamError)
  })
})

describe("HpackDecoder error details", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["80", "InvalidIndex", "index 0"],
    ["be", "InvalidIndex", "index 62 past the end of a table of 61 entries"],
    ["ff", "Truncated", "field block ends within an integer"],
    ["3f", "Truncated", "field block ends within an integer"],
    ["007f", "Truncated", "field block ends within an integer"],
    ["0001617f", "Truncated", "field block ends within an integer"],
    ["ffffffffffff0f", "IntegerOverflow", "integer over 2^32 - 1"],
    ["ff808080808000", "IntegerOverflow", "integer of over 5 continuation octets"],
    ["400161", "Truncated", "field block ends before a string literal"],
    ["40", "Truncated", "field block ends before a string literal"],
    ["400a6375", "Truncated", "string literal of 10 octets past the end of the block"],
    ["0084ffffffff", "InvalidHuffman", "invalid Huffman code or padding"],
    ["3fe21f", "TableSizeOverLimit", "dynamic table size 4097 over the limit 4096"],
    ["8220", "LateSizeUpdate", "dynamic table size update after a field"]
  ]
  for (const [block, reason, detail] of cases) {
    it(`${block}: ${reason}, ${detail}`, () => {
      const result = new HpackDecoder().decode(hex(block), 1)
      expect(result).toBeInstanceOf(H2ConnectionError)
      expect(result).toMatchObject({ code: ErrorCode.COMPRESSION_ERROR, reason, detail })
    })
  }

  it("counts the dynamic entries in an index error", () => {
    const decoder = new HpackDecoder()
    decodeOk(decoder, hex("4001 6101 62"))
    expect(decoder.decode(hex("bf"), 1)).toMatchObject({
      detail: "index 63 past the end of a table of 62 entries"
    })
  })

  it("says a size update is missing once the limit was lowered", () => {
    const decoder = new HpackDecoder()
    decoder.setTableSizeLimit(0)
    expect(decoder.decode(hex("82"), 1)).toMatchObject({
      reason: "MissingSizeUpdate",
      detail: "no dynamic table size update after the limit was lowered"
    })
  })
})
