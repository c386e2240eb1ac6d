import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { parseRequestTarget } from "../../../src/internal/exchange/request-target.js"
import * as Endpoint from "../../../src/Endpoint.js"

/** What `URL` makes of it: the reference the fast path must agree with. */
const viaUrl = (url: string) => {
  try {
    const parsed = new URL(url)
    const endpoint = Endpoint.fromUrl(parsed)
    return endpoint === undefined ? "unsupported" : `${endpoint.key} ${parsed.pathname}${parsed.search}`
  } catch {
    return "invalid"
  }
}

const viaFastPath = (url: string) => {
  try {
    const result = parseRequestTarget(url)
    return result === undefined ? "unsupported" : `${result.endpoint.key} ${result.target}`
  } catch {
    return "invalid"
  }
}

const piece = (chars: string, maxLength: number) =>
  fc.array(fc.constantFrom(...chars.split("")), { maxLength }).map((a) => a.join(""))

describe("parseRequestTarget", () => {
  it("agrees with URL on every URL it is given", () => {
    const scheme = fc.constantFrom("http://", "https://", "HTTP://", "ftp://", "http:/", "")
    const host = fc.oneof(
      fc.constantFrom(
        "127.0.0.1",
        "localhost",
        "a.test",
        "[::1]",
        "2130706433",
        "0x7f.1",
        "127.1",
        "A.Test",
        "ex..com"
      ),
      piece("abcxyz019.-_Ä", 12)
    )
    const port = fc.oneof(
      fc.constant(""),
      fc.constantFrom(":80", ":443", ":8080", ":0080", ":", ":65536", ":1")
    )
    const path = piece("abc/._~%2eE0fF?&=#'\"<> \\^`{}|é:@!$()*+,;", 20)
    fc.assert(
      fc.property(scheme, host, port, path, (s, h, p, rest) => {
        const url = `${s}${h}${p}${rest}`
        expect(viaFastPath(url)).toBe(viaUrl(url))
      }),
      { numRuns: 20000 }
    )
  })

  it("splits the common forms without losing anything", () => {
    expect(viaFastPath("http://127.0.0.1:9077/x?y=1")).toBe("http://127.0.0.1:9077 /x?y=1")
    expect(viaFastPath("https://a.test")).toBe("https://a.test:443 /")
    expect(viaFastPath("https://a.test?q")).toBe("https://a.test:443 /?q")
    expect(viaFastPath("http://a.test/%41b/../c")).toBe("http://a.test:80 /c")
  })

  it("shares one endpoint between requests to the same origin", () => {
    expect(parseRequestTarget("http://a.test:81/one")?.endpoint).toBe(
      parseRequestTarget("http://a.test:81/two")?.endpoint
    )
  })
})
