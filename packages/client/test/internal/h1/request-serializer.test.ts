import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  chunkHeader,
  CRLF,
  isSerializeError,
  LAST_CHUNK,
  type RequestFraming,
  type SerializeError,
  serializeHead
} from "../../../src/internal/h1/request-serializer.js"
import { FIELD_VALUE, isFieldValue, isTarget, isToken, TCHAR } from "../../../src/internal/exchange/tokens.js"

const none: RequestFraming = { _tag: "none" }

const text = (result: Buffer | SerializeError): string => {
  if (isSerializeError(result)) throw new Error(`unexpected ${result.reason}: ${result.detail}`)
  return result.toString("latin1")
}

const reasonOf = (result: Buffer | SerializeError): string | undefined =>
  isSerializeError(result) ? result.reason : undefined

describe("serializeHead", () => {
  it("writes a GET head with Host first", () => {
    const head = serializeHead(
      "GET",
      "/search?q=1",
      "example.com",
      [
        ["Accept", "*/*"],
        ["x-trace", "abc"]
      ],
      none
    )
    expect(text(head)).toBe(
      "GET /search?q=1 HTTP/1.1\r\nhost: example.com\r\nAccept: */*\r\nx-trace: abc\r\n\r\n"
    )
  })

  it("writes Content-Length from the framing, also for an empty body", () => {
    expect(text(serializeHead("POST", "/", "a:8080", [], { _tag: "length", length: 1234 }))).toBe(
      "POST / HTTP/1.1\r\nhost: a:8080\r\ncontent-length: 1234\r\n\r\n"
    )
    expect(text(serializeHead("PUT", "/x", "a", [], { _tag: "length", length: 0 }))).toBe(
      "PUT /x HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n"
    )
  })

  it("writes Transfer-Encoding from the framing", () => {
    expect(
      text(serializeHead("POST", "/up", "a", [["Content-Type", "text/plain"]], { _tag: "chunked" }))
    ).toBe("POST /up HTTP/1.1\r\nhost: a\r\nContent-Type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
  })

  it("drops user framing headers, whatever their case", () => {
    const headers: Array<[string, string]> = [
      ["Content-Length", "999"],
      ["TRANSFER-ENCODING", "gzip"],
      ["x-a", "1"],
      ["content-length", "1"]
    ]
    expect(text(serializeHead("POST", "/", "a", headers, { _tag: "length", length: 5 }))).toBe(
      "POST / HTTP/1.1\r\nhost: a\r\nx-a: 1\r\ncontent-length: 5\r\n\r\n"
    )
    expect(text(serializeHead("GET", "/", "a", headers, none))).toBe(
      "GET / HTTP/1.1\r\nhost: a\r\nx-a: 1\r\n\r\n"
    )
  })

  it("keeps a user Host where it was given and adds none", () => {
    const head = serializeHead(
      "GET",
      "/",
      "ignored",
      [
        ["Accept", "*/*"],
        ["HOST", "virtual.example"]
      ],
      none
    )
    expect(text(head)).toBe("GET / HTTP/1.1\r\nAccept: */*\r\nHOST: virtual.example\r\n\r\n")
  })

  it("takes any iterable of pairs, read once", () => {
    function* pairs(): Generator<readonly [string, string]> {
      yield ["a", "1"]
      yield ["b", "2"]
    }
    expect(text(serializeHead("GET", "*", "h", pairs(), none))).toBe(
      "GET * HTTP/1.1\r\nhost: h\r\na: 1\r\nb: 2\r\n\r\n"
    )
    expect(text(serializeHead("OPTIONS", "*", "h", new Map([["c", "3"]]), none))).toBe(
      "OPTIONS * HTTP/1.1\r\nhost: h\r\nc: 3\r\n\r\n"
    )
  })

  it("sends HTAB, obs-text and empty values as given", () => {
    const head = serializeHead(
      "GET",
      "/",
      "h",
      [
        ["x-a", "a\tb"],
        ["x-b", "caf\xe9"],
        ["x-c", ""]
      ],
      none
    )
    expect(head).toEqual(
      Buffer.from("GET / HTTP/1.1\r\nhost: h\r\nx-a: a\tb\r\nx-b: caf\xe9\r\nx-c: \r\n\r\n", "latin1")
    )
  })

  it.each([
    ["GET /", "InvalidMethod"],
    ["G\r\nET", "InvalidMethod"],
    ["", "InvalidMethod"],
    ["GÉT", "InvalidMethod"],
    ["GET\x00", "InvalidMethod"]
  ])("rejects the method %j", (method, reason) => {
    expect(reasonOf(serializeHead(method, "/", "h", [], none))).toBe(reason)
  })

  it.each([
    ["", "InvalidTarget"],
    ["/a b", "InvalidTarget"],
    ["/a\r\nHost: evil", "InvalidTarget"],
    ["/\x00", "InvalidTarget"],
    ["/\x7f", "InvalidTarget"],
    ["/caf\xe9", "InvalidTarget"],
    ["/\u{1f600}", "InvalidTarget"]
  ])("rejects the target %j", (target, reason) => {
    expect(reasonOf(serializeHead("GET", target, "h", [], none))).toBe(reason)
  })

  it.each([
    ["X\r\nY", "InvalidHeaderName"],
    ["X\nY", "InvalidHeaderName"],
    ["X\x00", "InvalidHeaderName"],
    ["X Y", "InvalidHeaderName"],
    ["X:", "InvalidHeaderName"],
    ["", "InvalidHeaderName"],
    ["Content-Length\r", "InvalidHeaderName"]
  ])("rejects the header name %j", (name, reason) => {
    expect(reasonOf(serializeHead("GET", "/", "h", [[name, "v"]], none))).toBe(reason)
  })

  it.each([
    ["a\r\nInjected: 1", "InvalidHeaderValue"],
    ["a\rb", "InvalidHeaderValue"],
    ["a\nb", "InvalidHeaderValue"],
    ["a\x00b", "InvalidHeaderValue"],
    ["a\x1bb", "InvalidHeaderValue"],
    ["a\x7fb", "InvalidHeaderValue"],
    ["\u0100", "InvalidHeaderValue"],
    ["a\u2028b", "InvalidHeaderValue"]
  ])("rejects the header value %j", (value, reason) => {
    expect(reasonOf(serializeHead("GET", "/", "h", [["x-a", value]], none))).toBe(reason)
    // Framing headers are dropped, but validated all the same.
    expect(reasonOf(serializeHead("GET", "/", "h", [["content-length", value]], none))).toBe(reason)
  })

  it("rejects an authority that cannot be a Host value", () => {
    expect(reasonOf(serializeHead("GET", "/", "a\r\nb", [], none))).toBe("InvalidHeaderValue")
    // A user Host makes the authority irrelevant.
    expect(reasonOf(serializeHead("GET", "/", "a\r\nb", [["host", "a"]], none))).toBeUndefined()
  })

  it("rejects a framing length that is not a non-negative integer", () => {
    for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(reasonOf(serializeHead("POST", "/", "h", [], { _tag: "length", length }))).toBe(
        "InvalidHeaderValue"
      )
    }
  })

  const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}$/)
  const fieldValue = fc
    .array(
      fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9)),
      {
        maxLength: 30
      }
    )
    .map((codes) => String.fromCharCode(...codes))
  const isFraming = (name: string) => /^(content-length|transfer-encoding|host)$/i.test(name)

  it("writes any valid head as request line, Host, fields, blank line", () => {
    fc.assert(
      fc.property(
        token,
        fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/),
        fc.array(fc.tuple(token, fieldValue), { maxLength: 8 }),
        (method, target, headers) => {
          const fields = headers.filter(([name]) => !isFraming(name))
          const expected =
            `${method} ${target} HTTP/1.1\r\nhost: example.com\r\n` +
            fields.map(([name, value]) => `${name}: ${value}\r\n`).join("") +
            "\r\n"
          expect(text(serializeHead(method, target, "example.com", fields, none))).toBe(expected)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("rejects a CR, LF or NUL anywhere in a name or value", () => {
    const poisoned = (base: fc.Arbitrary<string>) =>
      fc
        .tuple(base, fc.nat(), fc.constantFrom("\r", "\n", "\x00", "\r\n"))
        .map(([s, at, bad]) => s.slice(0, at % (s.length + 1)) + bad + s.slice(at % (s.length + 1)))
    fc.assert(
      fc.property(
        fc.oneof(
          poisoned(token).map((name) => ({ name, value: "v", reason: "InvalidHeaderName" })),
          poisoned(fieldValue).map((value) => ({ name: "x-a", value, reason: "InvalidHeaderValue" }))
        ),
        ({ name, value, reason }) => {
          expect(
            reasonOf(
              serializeHead(
                "GET",
                "/",
                "h",
                [
                  ["ok", "1"],
                  [name, value]
                ],
                none
              )
            )
          ).toBe(reason)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("serializeHead, headers as a record and the content type", () => {
  it("walks a record in its own order", () => {
    expect(text(serializeHead("GET", "/", "h", { Accept: "*/*", "x-b": "2" }, none))).toBe(
      "GET / HTTP/1.1\r\nhost: h\r\nAccept: */*\r\nx-b: 2\r\n\r\n"
    )
  })

  it("stops at the first bad field of a record, saying which", () => {
    const bad = serializeHead("GET", "/", "h", { "x-a": "1", "x b": "2", "x-c": "\r" }, none)
    expect(bad).toEqual({ reason: "InvalidHeaderName", detail: 'header name "x b" is not a token' })
    expect(serializeHead("GET", "/", "h", { "x-a": "\n", "x b": "2" }, none)).toEqual({
      reason: "InvalidHeaderValue",
      detail: 'value of header "x-a" has a forbidden character'
    })
  })

  it("stops at the first bad field of an iterable", () => {
    const seen: Array<string> = []
    function* pairs(): Generator<readonly [string, string]> {
      for (const name of ["a", "b c", "d"]) {
        seen.push(name)
        yield [name, "1"]
      }
    }
    expect(reasonOf(serializeHead("GET", "/", "h", pairs(), none))).toBe("InvalidHeaderName")
    expect(seen).toEqual(["a", "b c"])
  })

  it("sends the content type after the headers, unless they carry one in any case", () => {
    expect(
      text(serializeHead("POST", "/", "h", [["x-a", "1"]], { _tag: "length", length: 2 }, "text/plain"))
    ).toBe("POST / HTTP/1.1\r\nhost: h\r\nx-a: 1\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n")
    expect(text(serializeHead("POST", "/", "h", { "Content-Type": "a/b" }, none, "text/plain"))).toBe(
      "POST / HTTP/1.1\r\nhost: h\r\nContent-Type: a/b\r\n\r\n"
    )
    expect(text(serializeHead("POST", "/", "h", [], none))).toBe("POST / HTTP/1.1\r\nhost: h\r\n\r\n")
  })

  it("refuses a content type that cannot be a field value", () => {
    expect(serializeHead("POST", "/", "h", [], none, "text/plain\r\nx: 1")).toEqual({
      reason: "InvalidHeaderValue",
      detail: 'value of header "content-type" has a forbidden character'
    })
  })

  it("tells a name from a framing or Host name of the same length", () => {
    const head = serializeHead(
      "GET",
      "/",
      "h",
      [
        ["hosT", "a"],
        ["content-lengtx", "1"],
        ["transfer-encodinx", "1"],
        ["content-typf", "1"]
      ],
      none,
      "t/t"
    )
    expect(text(head)).toBe(
      "GET / HTTP/1.1\r\nhosT: a\r\ncontent-lengtx: 1\r\ntransfer-encodinx: 1\r\ncontent-typf: 1\r\ncontent-type: t/t\r\n\r\n"
    )
    expect(text(serializeHead("GET", "/", "h", [["hosts", "a"]], none))).toBe(
      "GET / HTTP/1.1\r\nhost: h\r\nhosts: a\r\n\r\n"
    )
  })

  it("says what is wrong with a method, target, authority or length", () => {
    expect(serializeHead("GET /", "/", "h", [], none)).toEqual({
      reason: "InvalidMethod",
      detail: 'method "GET /" is not a token'
    })
    expect(serializeHead("GET", "", "h", [], none)).toEqual({
      reason: "InvalidTarget",
      detail: "request target is empty or has a character other than visible ASCII"
    })
    expect(serializeHead("GET", "/", "\n", [], none)).toEqual({
      reason: "InvalidHeaderValue",
      detail: "authority has a forbidden character"
    })
    expect(serializeHead("GET", "/", "h", [], { _tag: "length", length: -1 })).toEqual({
      reason: "InvalidHeaderValue",
      detail: "content length -1 is not a non-negative integer"
    })
  })
})

describe("character classes", () => {
  it("agree between the byte tables and the string checks", () => {
    for (let c = 0; c < 0x200; c++) {
      const ch = String.fromCharCode(c)
      expect(isToken(ch)).toBe(c < 0x100 && TCHAR[c] !== 0)
      expect(isFieldValue(ch)).toBe(c < 0x100 && FIELD_VALUE[c] !== 0)
      expect(isTarget(ch)).toBe(c > 0x20 && c < 0x7f)
    }
    expect(TCHAR.reduce((n, t) => n + (t === 0 ? 0 : 1), 0)).toBe(77)
    expect(isToken("")).toBe(false)
    expect(isFieldValue("")).toBe(true)
    expect(isTarget("")).toBe(false)
  })
})

describe("chunk framing", () => {
  it("writes chunk-size lines in hex", () => {
    expect(chunkHeader(1).toString("latin1")).toBe("1\r\n")
    expect(chunkHeader(1024).toString("latin1")).toBe("400\r\n")
    expect(chunkHeader(0xabcdef).toString("latin1")).toBe("abcdef\r\n")
  })

  it("refuses sizes that would end or corrupt the body", () => {
    for (const n of [0, -1, 1.5, Number.NaN]) {
      expect(() => chunkHeader(n)).toThrow(new RangeError(`chunk size ${n} is not a positive integer`))
    }
  })

  it("has CRLF and the last chunk", () => {
    expect(CRLF.toString("latin1")).toBe("\r\n")
    expect(LAST_CHUNK.toString("latin1")).toBe("0\r\n\r\n")
  })
})
