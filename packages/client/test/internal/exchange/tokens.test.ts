/**
 * The character classes of HTTP syntax, byte by byte against the grammar of
 * RFC 9110 as written out here, and the whole-string checks built on them.
 */
import { describe, expect, it } from "vitest"
import {
  FIELD_VALUE,
  HEX,
  TCHAR,
  isFieldValue,
  isTarget,
  isToken
} from "../../../src/internal/exchange/tokens.js"

const DIGIT = "0123456789"
const LOWER = "abcdefghijklmnopqrstuvwxyz"
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~"
const bytes = Array.from({ length: 256 }, (_, b) => b)

describe("TCHAR", () => {
  it("classes every byte: 2 for upper-case letters, 1 for the rest of tchar, 0 otherwise", () => {
    const expected = bytes.map((b) => {
      const ch = String.fromCharCode(b)
      if (UPPER.includes(ch)) return 2
      return (DIGIT + LOWER + TCHAR_SYMBOLS).includes(ch) ? 1 : 0
    })
    expect(Array.from(TCHAR)).toEqual(expected)
  })
})

describe("FIELD_VALUE", () => {
  it("classes every byte: 2 for SP and HTAB, 1 for VCHAR and obs-text, 0 for CTLs and DEL", () => {
    const expected = bytes.map((b) => {
      if (b === 0x20 || b === 0x09) return 2
      return (b >= 0x21 && b <= 0x7e) || b >= 0x80 ? 1 : 0
    })
    expect(Array.from(FIELD_VALUE)).toEqual(expected)
  })
})

describe("HEX", () => {
  it("gives each hexadecimal digit its value, either case, and -1 for every other byte", () => {
    const expected = bytes.map((b) => {
      if (b >= 0x30 && b <= 0x39) return b - 0x30
      if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10
      if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10
      return -1
    })
    expect(Array.from(HEX)).toEqual(expected)
  })
})

describe("whole-string checks", () => {
  it("isToken: a non-empty run of tchar", () => {
    expect(isToken("GET")).toBe(true)
    expect(isToken("x-custom_Header.1~")).toBe(true)
    expect(isToken(TCHAR_SYMBOLS + DIGIT + LOWER + UPPER)).toBe(true)
    expect(isToken("")).toBe(false)
    for (const bad of ["a b", "a:b", "a\tb", "(x)", 'a"b', "é", "a/b", "a\r\nb"])
      expect(isToken(bad)).toBe(false)
  })

  it("isFieldValue: HTAB, visible ASCII, space and Latin-1, nothing else", () => {
    expect(isFieldValue("")).toBe(true)
    expect(isFieldValue(" text/html;\tq=0.9 ")).toBe(true)
    expect(isFieldValue("caf\u00e9 \u00ff\u0080")).toBe(true)
    for (const bad of ["a\rb", "a\nb", "a\u0000", "\u007f", "\u0100", "\u20ac", "\u001f"]) {
      expect(isFieldValue(bad)).toBe(false)
    }
  })

  it("isTarget: non-empty visible ASCII", () => {
    expect(isTarget("/a?b=c&d=%20")).toBe(true)
    expect(isTarget("*")).toBe(true)
    expect(isTarget("!")).toBe(true)
    expect(isTarget("~")).toBe(true)
    expect(isTarget("")).toBe(false)
    for (const bad of ["/a b", "/a\tb", "/\u007f", "/\u0080", "/\u00e9", "/\r\n"])
      expect(isTarget(bad)).toBe(false)
  })
})
