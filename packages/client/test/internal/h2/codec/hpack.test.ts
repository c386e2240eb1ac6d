import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { H2ConnectionError, H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import { type HeaderList, HpackDecoder } from "../../../../src/internal/h2/codec/hpack-decoder.js"
import { HpackEncoder } from "../../../../src/internal/h2/codec/hpack-encoder.js"
import { DynamicTable } from "../../../../src/internal/h2/codec/hpack-dynamic-table.js"
import { encodeInteger } from "../../../../src/internal/h2/codec/hpack-integer.js"

/** Bytes from a hex dump as RFC 7541 Appendix C prints it. */
const hex = (dump: string): Uint8Array => new Uint8Array(Buffer.from(dump.replace(/\s+/g, ""), "hex"))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

const list = (...fields: ReadonlyArray<readonly [string, string]>): HeaderList => fields.flat()

const decodeOk = (decoder: HpackDecoder, block: Uint8Array): HeaderList => {
  const result = decoder.decode(block, 1)
  if (!Array.isArray(result)) throw result
  return result
}

const decodeError = (decoder: HpackDecoder, block: Uint8Array): H2ConnectionError => {
  const result = decoder.decode(block, 1)
  expect(result).toBeInstanceOf(H2ConnectionError)
  return result as H2ConnectionError
}

describe("HPACK, RFC 7541 Appendix C.2 (field representations)", () => {
  it("C.2.1 literal with indexing", () => {
    const decoder = new HpackDecoder()
    expect(
      decodeOk(decoder, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))
    ).toEqual(list(["custom-key", "custom-header"]))
    expect(decoder.tableSize).toBe(55)
  })

  it("C.2.2 literal without indexing", () => {
    const decoder = new HpackDecoder()
    expect(decodeOk(decoder, hex("040c 2f73 616d 706c 652f 7061 7468"))).toEqual(
      list([":path", "/sample/path"])
    )
    expect(decoder.tableSize).toBe(0)
  })

  it("C.2.3 literal never indexed", () => {
    const decoder = new HpackDecoder()
    expect(decodeOk(decoder, hex("1008 7061 7373 776f 7264 0673 6563 7265 74"))).toEqual(
      list(["password", "secret"])
    )
    expect(decoder.tableSize).toBe(0)
  })

  it("C.2.4 indexed field", () => {
    expect(decodeOk(new HpackDecoder(), hex("82"))).toEqual(list([":method", "GET"]))
  })
})

const requests: ReadonlyArray<HeaderList> = [
  list([":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]),
  list(
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"]
  ),
  list(
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"]
  )
]

const responses: ReadonlyArray<HeaderList> = [
  list(
    [":status", "302"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"]
  ),
  list(
    [":status", "307"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"]
  ),
  list(
    [":status", "200"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ["location", "https://www.example.com"],
    ["content-encoding", "gzip"],
    ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"]
  )
]

/** Each block of an Appendix C sequence decodes, on one connection, to its list and table size. */
const sequence = (
  decoder: HpackDecoder,
  blocks: ReadonlyArray<string>,
  lists: ReadonlyArray<HeaderList>,
  sizes: ReadonlyArray<number>
) => {
  blocks.forEach((block, i) => {
    expect(decodeOk(decoder, hex(block))).toEqual(lists[i])
    expect(decoder.tableSize).toBe(sizes[i])
  })
}

/** A decoder whose peer was told SETTINGS_HEADER_TABLE_SIZE = 256, as C.5 and C.6 assume. */
const decoder256 = (): HpackDecoder => {
  const decoder = new HpackDecoder()
  decoder.setTableSizeLimit(256)
  // The peer starts at 4096 and must shrink; C.5 begins without the update, so start as if it had been sent.
  expect(decodeOk(decoder, hex("3fe1 01"))).toEqual([])
  return decoder
}

describe("HPACK, RFC 7541 Appendix C.3–C.6 (header lists on one connection)", () => {
  it("C.3 requests without Huffman coding", () => {
    sequence(
      new HpackDecoder(),
      [
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"
      ],
      requests,
      [57, 110, 164]
    )
  })

  it("C.4 requests with Huffman coding", () => {
    sequence(
      new HpackDecoder(),
      [
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"
      ],
      requests,
      [57, 110, 164]
    )
  })

  it("C.5 responses without Huffman coding, with evictions", () => {
    sequence(
      decoder256(),
      [
        `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
         6c65 2e63 6f6d`,
        "4803 3330 37c1 c0bf",
        `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
         3d31`
      ],
      responses,
      [222, 222, 215]
    )
  })

  it("C.6 responses with Huffman coding, with evictions", () => {
    sequence(
      decoder256(),
      [
        `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        "4883 640e ffc1 c0bf",
        `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07`
      ],
      responses,
      [222, 222, 215]
    )
  })

  it("encodes the C.4 requests byte for byte", () => {
    const encoder = new HpackEncoder()
    // The encoder keeps :path out of the table, which C.4 never puts there either.
    expect(toHex(encoder.encode(requests[0]!))).toBe(toHex(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")))
    expect(toHex(encoder.encode(requests[1]!))).toBe(toHex(hex("8286 84be 5886 a8eb 1064 9cbf")))
    expect(toHex(encoder.encode(requests[2]!))).toBe(
      toHex(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))
    )
  })

  it("encodes the C.3 requests byte for byte without Huffman coding", () => {
    const encoder = new HpackEncoder({ huffman: false })
    expect(toHex(encoder.encode(requests[0]!))).toBe(
      toHex(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"))
    )
    expect(toHex(encoder.encode(requests[1]!))).toBe(toHex(hex("8286 84be 5808 6e6f 2d63 6163 6865")))
  })
})

describe("HPACK integers (RFC 7541 C.1)", () => {
  it("encodes 10 and 1337 with a 5-bit prefix and 42 on 8 bits", () => {
    const out = new Uint8Array(8)
    expect(toHex(out.subarray(0, encodeInteger(out, 0, 10, 5, 0)))).toBe("0a")
    expect(toHex(out.subarray(0, encodeInteger(out, 0, 1337, 5, 0)))).toBe("1f9a0a")
    expect(toHex(out.subarray(0, encodeInteger(out, 0, 42, 8, 0)))).toBe("2a")
  })
})

describe("HPACK dynamic table", () => {
  it("counts 32 octets of overhead per entry and evicts oldest first", () => {
    const table = new DynamicTable(100, true)
    table.add("a", "1") // 34
    table.add("b", "2") // 68
    expect(table.size).toBe(68)
    table.add("c", "3") // evicts a
    expect([table.name(1), table.name(2), table.name(3)]).toEqual(["c", "b", undefined])
    expect(table.find("b", "2")).toBe(63)
    expect(table.find("a", "1")).toBe(0)
    expect(table.find("c", "x")).toBe(-62)
  })

  it("empties itself for an entry larger than its maximum size (§4.4)", () => {
    const table = new DynamicTable(100, true)
    table.add("a", "1")
    table.add("big", "x".repeat(70))
    expect(table.length).toBe(0)
    expect(table.size).toBe(0)
    expect(table.find("a", "1")).toBe(0)
  })

  it("evicts to fit a smaller maximum size, and grows past its initial capacity", () => {
    const table = new DynamicTable(4096, false)
    for (let i = 0; i < 100; i++) table.add(`n${i}`, `v${i}`)
    expect(table.length).toBe(100)
    expect(table.name(1)).toBe("n99")
    expect(table.value(100)).toBe("v0")
    table.setMaxSize(40 * 3)
    expect(table.length).toBe(3)
    expect(table.name(3)).toBe("n97")
  })
})

describe("HPACK table size updates", () => {
  it("signals a shrink then a growth between two blocks with two updates (§4.2)", () => {
    const encoder = new HpackEncoder()
    encoder.encode(["x-a", "1"])
    encoder.setPeerTableSize(0)
    encoder.setPeerTableSize(100)
    const block = encoder.encode([":method", "GET"])
    // 001 00000 (size 0), then 001 11111 + 69 (size 100), then the field.
    expect(toHex(block)).toBe("203f4582")
    const decoder = new HpackDecoder()
    decodeOk(decoder, new HpackEncoder().encode(["x-a", "1"]))
    expect(decodeOk(decoder, block)).toEqual([":method", "GET"])
    expect(decoder.maxTableSize).toBe(100)
    expect(decoder.tableSize).toBe(0)
  })

  it("keeps its own cap whatever the peer allows", () => {
    const encoder = new HpackEncoder({ maxTableSize: 64 })
    const block = encoder.encode(["x-a", "1"])
    expect(block[0]).toBe(0x3f) // a size update to 64 comes first
    encoder.setPeerTableSize(65_536)
    expect(encoder.encode(["x-a", "1"])).toEqual(Uint8Array.of(0xbe))
  })
})

describe("HPACK sensitive fields", () => {
  it("sends authorization, cookie and set-cookie as never-indexed literals", () => {
    const encoder = new HpackEncoder()
    for (const name of ["authorization", "cookie", "set-cookie", "proxy-authorization"]) {
      const block = encoder.encode([name, "secret-value"])
      // 0001xxxx: literal never indexed, named by its static index.
      expect(block[0]! & 0xf0).toBe(0x10)
      expect(encoder.tableSize).toBe(0)
      expect(decodeOk(new HpackDecoder(), block)).toEqual([name, "secret-value"])
    }
  })
})

describe("HPACK decoder errors", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["index 0", "80", "InvalidIndex"],
    ["index past the tables", "be", "InvalidIndex"],
    ["literal naming index past the tables", "7e00", "InvalidIndex"],
    ["integer cut short", "ff", "Truncated"],
    ["integer over 2^32", "ffffffffffff0f", "IntegerOverflow"],
    ["integer padded with zero continuation octets", "ff808080808080808000", "IntegerOverflow"],
    ["string longer than the block", "400a6375", "Truncated"],
    ["name missing", "40", "Truncated"],
    ["Huffman with EOS", "0084ffffffff", "InvalidHuffman"],
    ["Huffman padding of 11 bits", "0001618207ff", "InvalidHuffman"],
    ["Huffman padding not ones", "008100", "InvalidHuffman"],
    ["size update over the limit", "3fe21f", "TableSizeOverLimit"],
    ["size update after a field", "8220", "LateSizeUpdate"]
  ]
  for (const [name, block, reason] of cases) {
    it(`${name}: COMPRESSION_ERROR ${reason}`, () => {
      const error = decodeError(new HpackDecoder(), hex(block))
      expect(error.code).toBe(ErrorCode.COMPRESSION_ERROR)
      expect(error.reason).toBe(reason)
    })
  }

  it("requires a size update once the limit drops below the table size", () => {
    const decoder = new HpackDecoder()
    decoder.setTableSizeLimit(100)
    expect(decodeError(decoder, hex("82")).reason).toBe("MissingSizeUpdate")
    const ok = new HpackDecoder()
    ok.setTableSizeLimit(100)
    expect(decodeOk(ok, hex("3f45 82"))).toEqual([":method", "GET"])
    expect(ok.maxTableSize).toBe(100)
  })

  it("reports an oversized header list as a stream error, after decoding it whole", () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 60 })
    const encoder = new HpackEncoder()
    const big = encoder.encode(["x-one", "a".repeat(20), "x-two", "b".repeat(20)])
    const result = decoder.decode(big, 7)
    expect(result).toBeInstanceOf(H2StreamError)
    expect(result).toMatchObject({ streamId: 7, code: ErrorCode.CANCEL, reason: "HeaderListTooLarge" })
    // Both fields went into the table, so the next block that refers to them decodes.
    expect(decodeOk(decoder, encoder.encode(["x-two", "b".repeat(20)]))).toEqual(["x-two", "b".repeat(20)])
  })
})

const headerName = fc.oneof(
  fc.constantFrom(
    ":status",
    ":path",
    "content-type",
    "cache-control",
    "authorization",
    "cookie",
    "set-cookie",
    "etag",
    "x-custom"
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
)
const headerValue = fc.oneof(
  fc.constantFrom("", "200", "/", "gzip, deflate", "private"),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 })
)
const headerList = fc
  .array(fc.tuple(headerName, headerValue), { maxLength: 30 })
  .map((fields) => fields.flat())

describe("HPACK round trips", () => {
  it("decodes what it encodes, block after block, under random table sizes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(headerList, fc.option(fc.integer({ min: 0, max: 8192 }))), {
          minLength: 1,
          maxLength: 8
        }),
        fc.integer({ min: 0, max: 8192 }),
        fc.boolean(),
        (blocks, cap, huffman) => {
          const encoder = new HpackEncoder({ maxTableSize: cap, huffman })
          const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 30 })
          for (const [headers, peerSize] of blocks) {
            if (peerSize !== null) {
              // We announce a new size: the peer's encoder adapts, and our decoder accepts up to it.
              decoder.setTableSizeLimit(Math.max(peerSize, decoder.maxTableSize))
              encoder.setPeerTableSize(peerSize)
            }
            expect(decodeOk(decoder, encoder.encode(headers))).toEqual(headers)
            expect(decoder.tableSize).toBe(encoder.tableSize)
            expect(encoder.tableSize).toBeLessThanOrEqual(Math.min(cap, decoder.maxTableSize))
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})
