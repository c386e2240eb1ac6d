import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from "../../../../src/internal/h2/codec/huffman-table.js"
import { huffmanDecode, huffmanEncode, huffmanLength } from "../../../../src/internal/h2/codec/huffman.js"

const encode = (s: string): Uint8Array => {
  const out = new Uint8Array(huffmanLength(s))
  expect(huffmanEncode(s, out, 0)).toBe(out.length)
  return out
}
const decode = (bytes: ReadonlyArray<number> | Uint8Array): string | undefined => {
  const b = Uint8Array.from(bytes)
  return huffmanDecode(b, 0, b.length)
}
const latin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 200
})

describe("Huffman code table (RFC 7541 Appendix B)", () => {
  it("is the canonical code of its lengths, so no entry was mistyped", () => {
    const order = [...HUFFMAN_CODES.keys()].sort((a, b) => HUFFMAN_LENGTHS[a]! - HUFFMAN_LENGTHS[b]! || a - b)
    let code = -1
    let length = HUFFMAN_LENGTHS[order[0]!]!
    for (const sym of order) {
      code = (code + 1) * 2 ** (HUFFMAN_LENGTHS[sym]! - length)
      length = HUFFMAN_LENGTHS[sym]!
      expect(HUFFMAN_CODES[sym], `symbol ${sym}`).toBe(code)
    }
    // EOS is the last code, all ones.
    expect(HUFFMAN_CODES[256]).toBe(2 ** 30 - 1)
  })
})

describe("Huffman coding", () => {
  it("matches the RFC 7541 C.4.1 and C.6.1 strings", () => {
    expect(Buffer.from(encode("www.example.com")).toString("hex")).toBe("f1e3c2e5f23a6ba0ab90f4ff")
    expect(Buffer.from(encode("no-cache")).toString("hex")).toBe("a8eb10649cbf")
    expect(Buffer.from(encode("302")).toString("hex")).toBe("6402")
    expect(decode(Buffer.from("d07abe941054d444a8200595040b8166e082a62d1bff", "hex"))).toBe(
      "Mon, 21 Oct 2013 20:13:21 GMT"
    )
  })

  it("decodes what it encodes, for any octets", () => {
    fc.assert(
      fc.property(latin1, (s) => {
        expect(decode(encode(s))).toBe(s)
      }),
      { numRuns: 2000 }
    )
  })

  it("encodes at an offset, leaving the bytes around it alone", () => {
    fc.assert(
      fc.property(latin1, fc.integer({ min: 0, max: 16 }), (s, offset) => {
        const out = new Uint8Array(offset + huffmanLength(s) + 4).fill(0xaa)
        const end = huffmanEncode(s, out, offset)
        expect(end).toBe(offset + huffmanLength(s))
        expect(out.subarray(0, offset).every((b) => b === 0xaa)).toBe(true)
        expect(out.subarray(end).every((b) => b === 0xaa)).toBe(true)
        expect(huffmanDecode(out, offset, end)).toBe(s)
      })
    )
  })

  it("decodes the empty string from no octets", () => {
    expect(decode([])).toBe("")
  })

  it("accepts up to 7 bits of padding that are the leading bits of EOS", () => {
    // '0' is 00000: three bits of padding.
    expect(decode([0b00000111])).toBe("0")
    // 'a' (00011) then '0': 5 + 5 bits, six bits of padding.
    expect(decode([0b00011000, 0b00111111])).toBe("a0")
    // '0', '0', then six bits of padding across the octet boundary.
    expect(decode([0b00000000, 0b00111111])).toBe("00")
  })

  it("rejects padding that is longer than 7 bits", () => {
    // '0' then 11 one bits.
    expect(decode([0b00000111, 0xff])).toBeUndefined()
    // Nothing but padding.
    expect(decode([0xff])).toBeUndefined()
  })

  it("rejects padding that is not all ones", () => {
    expect(decode([0b00000110])).toBeUndefined()
    expect(decode([0b00000000])).toBeUndefined()
  })

  it("rejects an explicit EOS, even with a whole octet boundary after it", () => {
    // 30 one bits then 2 more ones.
    expect(decode([0xff, 0xff, 0xff, 0xff])).toBeUndefined()
    // '0' (5 bits) then EOS (30 bits) then 5 bits of padding.
    const bits = "00000" + "1".repeat(30) + "11111"
    const bytes = Array.from({ length: bits.length / 8 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2))
    expect(decode(bytes)).toBeUndefined()
  })

  it("rejects any truncation that leaves a partial code which is not EOS's prefix", () => {
    fc.assert(
      fc.property(
        latin1.filter((s) => s.length > 0),
        (s) => {
          const bytes = encode(s)
          const cut = decode(bytes.subarray(0, bytes.length - 1))
          // Either the cut landed on padding-like bits and some prefix of s decodes, or it is an error.
          if (cut !== undefined) expect(s.startsWith(cut)).toBe(true)
        }
      )
    )
  })

  it("decodes ever longer strings, each past twice the longest before", () => {
    // '0' is 5 bits, the shortest code: the most characters per octet.
    for (let n = 8; n <= 300_000; n *= 3) {
      const s = "0".repeat(n)
      expect(decode(encode(s))).toBe(s)
    }
  })

  it("codes a character past latin1 as its low octet", () => {
    expect(huffmanLength("\u0130\u01ff")).toBe(huffmanLength("0\u00ff"))
    expect(encode("\u0130\u01ff")).toEqual(encode("0\u00ff"))
  })
})
