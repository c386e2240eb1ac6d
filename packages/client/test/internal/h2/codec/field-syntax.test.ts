import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  checkRequestHeaders,
  CONNECTION_SPECIFIC,
  isPseudo,
  validName,
  validValue
} from "../../../../src/internal/h2/codec/field-syntax.js"

/** RFC 9110 §5.6.2 tchar, lower case only as RFC 9113 §8.2.1 asks. */
const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"

describe("validName", () => {
  it("takes every lower-case token character, alone and together", () => {
    for (const c of TCHAR) expect(validName(c), JSON.stringify(c)).toBe(true)
    expect(validName(TCHAR)).toBe(true)
  })

  it("refuses the empty name, upper case, controls, space, DEL, colon and octets past ASCII, anywhere", () => {
    expect(validName("")).toBe(false)
    const bad = ["A", "M", "Z", " ", "\x00", "\x1f", "\x7f", "\x80", "\xff", ":"]
    for (const c of bad) {
      for (const name of [c, `x${c}`, `${c}x`, `ab${c}cd`])
        expect(validName(name), JSON.stringify(name)).toBe(false)
    }
  })

  it("accepts the characters either side of the upper-case range", () => {
    expect(validName("@")).toBe(true)
    expect(validName("[")).toBe(true)
    expect(validName("!")).toBe(true)
    expect(validName("~")).toBe(true)
  })

  it("agrees with a plain reading of the rule, for any string", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0x90 }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          const expected =
            s.length > 0 && [...s].every((c) => c > " " && c < "\x7f" && !(c >= "A" && c <= "Z") && c !== ":")
          expect(validName(s)).toBe(expected)
        }
      )
    )
  })
})

describe("validValue", () => {
  it("takes the empty value, inner whitespace, and any octet but NUL, CR and LF", () => {
    expect(validValue("")).toBe(true)
    expect(validValue("a b\tc")).toBe(true)
    expect(validValue("\x01\x7f\xff")).toBe(true)
    expect(validValue("x")).toBe(true)
  })

  it("refuses NUL, CR and LF anywhere", () => {
    for (const c of ["\x00", "\r", "\n"]) {
      for (const value of [c, `x${c}`, `${c}x`, `ab${c}cd`])
        expect(validValue(value), JSON.stringify(value)).toBe(false)
    }
  })

  it("refuses a leading or trailing space or tab", () => {
    for (const value of [" a", "a ", "\ta", "a\t", " ", "\t"])
      expect(validValue(value), JSON.stringify(value)).toBe(false)
  })
})

describe("isPseudo", () => {
  it("is whether the name starts with a colon", () => {
    expect(isPseudo(":path")).toBe(true)
    expect(isPseudo("path")).toBe(false)
    expect(isPseudo("a:b")).toBe(false)
    expect(isPseudo("")).toBe(false)
  })
})

describe("checkRequestHeaders", () => {
  const base = [":method", "GET", ":scheme", "https", ":authority", "a.test", ":path", "/"]

  it("accepts a well-formed request, with every request pseudo-header and te: trailers", () => {
    expect(checkRequestHeaders(base)).toBeUndefined()
    expect(
      checkRequestHeaders([...base, ":protocol", "websocket", "te", "trailers", "x-a", "1"])
    ).toBeUndefined()
    expect(checkRequestHeaders([":method", "GET"])).toBeUndefined()
  })

  it("requires :method, wherever it stands among the pseudo-headers", () => {
    expect(checkRequestHeaders([":path", "/"])).toBe("no :method")
    expect(checkRequestHeaders([])).toBe("no :method")
    expect(checkRequestHeaders([":path", "/", ":method", "GET"])).toBeUndefined()
  })

  it("says what is wrong with a malformed request", () => {
    expect(checkRequestHeaders([...base, "x-a", "bad\r\n"])).toBe("invalid value of field x-a")
    expect(checkRequestHeaders([...base, "x-a", "1", ":path", "/"])).toBe(
      "pseudo-header :path after a regular field"
    )
    expect(checkRequestHeaders([...base, ":status", "200"])).toBe("pseudo-header :status in a request")
    expect(checkRequestHeaders([...base, ":path", "/x"])).toBe("more than one :path")
    expect(checkRequestHeaders([":method", "GET", ":method", "GET"])).toBe("more than one :method")
    expect(checkRequestHeaders([...base, "X-A", "1"])).toBe('invalid field name "X-A"')
    expect(checkRequestHeaders([...base, "te", "gzip"])).toBe("te other than trailers")
  })

  it("refuses every connection-specific field", () => {
    expect([...CONNECTION_SPECIFIC].sort()).toEqual([
      "connection",
      "keep-alive",
      "proxy-connection",
      "transfer-encoding",
      "upgrade"
    ])
    for (const name of CONNECTION_SPECIFIC) {
      expect(checkRequestHeaders([...base, name, "x"])).toBe(`connection-specific field ${name}`)
    }
  })

  it("checks trailers: no pseudo-header, no :method needed", () => {
    expect(checkRequestHeaders(["x-sum", "1"], true)).toBeUndefined()
    expect(checkRequestHeaders([], true)).toBeUndefined()
    expect(checkRequestHeaders([":method", "GET"], true)).toBe("pseudo-header :method in trailers")
    expect(checkRequestHeaders(["x-sum", "1\n"], true)).toBe("invalid value of field x-sum")
  })

  it("ignores a trailing name without a value", () => {
    expect(checkRequestHeaders([":method", "GET", "X-BAD"])).toBeUndefined()
  })
})
