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

  // The fast path interns endpoints, and `URL` makes a new one each time: the same endpoint object
  // twice shows the fast path took the URL.
  const fastPathTakes = (url: string): boolean => {
    const once = parseRequestTarget(url)
    parseRequestTarget("http://other.test/")
    return once !== undefined && parseRequestTarget(url)?.endpoint === once.endpoint
  }

  it("takes the fast path for every common form, and agrees with URL on it", () => {
    const common = [
      "http://a.test",
      "http://a.test/",
      "http://a.test?q",
      "http://a.test/x?",
      "https://a.test/x",
      "http://a.test:8080/x",
      "http://a.test:9099/x",
      "http://a.test:443/x",
      "https://a.test:80/x",
      "http://a.test:12345/",
      "http://a.test:65535/",
      "http://1.2.3.4/x",
      "http://a.test/a%41b",
      "http://a.test/x?%2e",
      "http://a.test/x?a/./b",
      "http://a.test/x?a=1&b=/c",
      "http://a.test?%2e",
      "http://a.test?/./x",
      "http://a.test/a%3Eb",
      "http://a.test/a%2Fb",
      "http://a.test/x.html",
      "http://a.test/x./y",
      "http://a.test/x?a?"
    ]
    for (const url of common) {
      expect({ url, fast: fastPathTakes(url) }).toEqual({ url, fast: true })
      expect(viaFastPath(url)).toBe(viaUrl(url))
    }
  })

  it("leaves to URL what it would rewrite", () => {
    for (const url of [
      "http://a.test:80/",
      "https://a.test:443/",
      "http://a.test:080/",
      "http://a.test/./x",
      "http://a.test/%2e/x",
      "http://2130706433/",
      "http://a.test/ ab",
      "http://a.test/%zz",
      "http://a.test/%4",
      "http://a.test/é"
    ]) {
      expect({ url, fast: fastPathTakes(url) }).toEqual({ url, fast: false })
      expect(viaFastPath(url)).toBe(viaUrl(url))
    }
  })

  it("gives the same target again for the same URL, and a new one for another", () => {
    const first = parseRequestTarget("http://a.test/same")
    expect(parseRequestTarget("http://a.test/same")).toBe(first)
    expect(parseRequestTarget("http://a.test/other")).not.toBe(first)
  })

  it("keeps at most 1,024 origins, then starts again", () => {
    const origin = (n: number) => `http://o${n}.test/`
    parseRequestTarget("http://a.test/")
    // Fill the table to its bound: another request to an origin in it still shares.
    const first = parseRequestTarget("http://kept.test/one")?.endpoint
    for (let n = 0; n < 2048 && parseRequestTarget("http://kept.test/two")?.endpoint === first; n++) {
      parseRequestTarget(origin(n))
    }
    const emptied = parseRequestTarget("http://kept.test/three")?.endpoint
    expect(emptied).not.toBe(first)
    let shared = 0
    for (let n = 0; n < 1022; n++) {
      parseRequestTarget(origin(10_000 + n))
      if (parseRequestTarget(`http://kept.test/${n}`)?.endpoint === emptied) shared++
    }
    // The emptied table holds the origin that emptied it and the kept one: 1,022 more fill it.
    expect(shared).toBe(1022)
    parseRequestTarget(origin(20_000))
    expect(parseRequestTarget("http://kept.test/last")?.endpoint).not.toBe(emptied)
  })
})
