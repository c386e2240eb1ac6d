/**
 * HPACK integers (RFC 7541 §5.1) against the RFC's own pseudo-code, for
 * every prefix size, with the flags above the prefix kept.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeInteger, integerLength } from "../../../../src/internal/h2/codec/hpack-integer.js"

/** RFC 7541 §5.1's pseudo-code for encoding I on N bits. */
const reference = (value: number, prefixBits: number, flags: number): Array<number> => {
  const max = 2 ** prefixBits - 1
  if (value < max) return [flags | value]
  const out = [flags | max]
  let i = value - max
  while (i >= 128) {
    out.push((i % 128) + 128)
    i = Math.floor(i / 128)
  }
  out.push(i)
  return out
}

describe("HPACK integers", () => {
  it("encode as the RFC's pseudo-code does, at any offset, and integerLength counts the octets", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffff_ffff })),
        fc.integer({ min: 0, max: 4 }),
        (prefixBits, value, offset) => {
          const flags = (0xff << prefixBits) & 0xff
          const out = new Uint8Array(16).fill(0x55)
          const end = encodeInteger(out, offset, value, prefixBits, flags)
          const expected = reference(value, prefixBits, flags)
          expect(Array.from(out.subarray(offset, end))).toEqual(expected)
          expect(integerLength(value, prefixBits)).toBe(expected.length)
          // Nothing outside the integer is touched.
          expect(Array.from(out.subarray(0, offset)).every((b) => b === 0x55)).toBe(true)
          expect(Array.from(out.subarray(end)).every((b) => b === 0x55)).toBe(true)
        }
      )
    )
  })

  it("switches to continuation octets exactly at the prefix's maximum, and to a third octet at 128 past it", () => {
    const out = new Uint8Array(8)
    expect(Array.from(out.subarray(0, encodeInteger(out, 0, 30, 5, 0xe0)))).toEqual([0xfe])
    expect(Array.from(out.subarray(0, encodeInteger(out, 0, 31, 5, 0xe0)))).toEqual([0xff, 0x00])
    expect(Array.from(out.subarray(0, encodeInteger(out, 0, 31 + 127, 5, 0)))).toEqual([0x1f, 0x7f])
    expect(Array.from(out.subarray(0, encodeInteger(out, 0, 31 + 128, 5, 0)))).toEqual([0x1f, 0x80, 0x01])
    expect([30, 31, 31 + 127, 31 + 128, 31 + 128 * 128].map((v) => integerLength(v, 5))).toEqual([
      1, 2, 2, 3, 4
    ])
  })
})
