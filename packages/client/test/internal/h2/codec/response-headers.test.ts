import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import {
  checkResponseHeaders,
  lengthMismatch,
  responseSection
} from "../../../../src/internal/h2/codec/response-headers.js"
import { Stream } from "../../../../src/internal/h2/codec/stream-state.js"

const stream = (): Stream => new Stream(3, true, 65_535, 65_535)

const errorOf = (result: unknown): H2StreamError => {
  expect(result).toBeInstanceOf(H2StreamError)
  return result as H2StreamError
}

describe("checkResponseHeaders", () => {
  it("gives the :status of a well-formed head", () => {
    expect(checkResponseHeaders([":status", "200"], false)).toBe(200)
    expect(checkResponseHeaders([":status", "099", "x-a", "1", "te", "trailers"], false)).toBe(99)
    expect(checkResponseHeaders([":status", "999"], false)).toBe(999)
    expect(checkResponseHeaders([":status", "000"], false)).toBe(0)
  })

  it("says what is wrong with a malformed head", () => {
    expect(checkResponseHeaders([], false)).toBe("no :status")
    expect(checkResponseHeaders(["x-a", "1"], false)).toBe("no :status")
    expect(checkResponseHeaders(["x-a", "1", ":status", "200"], false)).toBe(
      "pseudo-header :status after a regular field"
    )
    expect(checkResponseHeaders([":path", "/"], false)).toBe("pseudo-header :path in a response")
    expect(checkResponseHeaders([":status", "200", ":status", "200"], false)).toBe("more than one :status")
    expect(checkResponseHeaders([":status", "20"], false)).toBe('invalid :status "20"')
    expect(checkResponseHeaders([":status", "2000"], false)).toBe('invalid :status "2000"')
    expect(checkResponseHeaders([":status", "2x0"], false)).toBe('invalid :status "2x0"')
    expect(checkResponseHeaders([":status", "/00"], false)).toBe('invalid :status "/00"')
    expect(checkResponseHeaders([":status", "20:"], false)).toBe('invalid :status "20:"')
    expect(checkResponseHeaders([":status", "200", "X-A", "1"], false)).toBe('invalid field name "X-A"')
    expect(checkResponseHeaders([":status", "200", "x-a", " 1"], false)).toBe("invalid value of field x-a")
    expect(checkResponseHeaders([":status", "200", "connection", "close"], false)).toBe(
      "connection-specific field connection"
    )
    expect(checkResponseHeaders([":status", "200", "te", "gzip"], false)).toBe("te other than trailers")
  })

  it("checks trailers: no pseudo-header, 0 when well formed", () => {
    expect(checkResponseHeaders(["x-sum", "1"], true)).toBe(0)
    expect(checkResponseHeaders([], true)).toBe(0)
    expect(checkResponseHeaders([":status", "200"], true)).toBe("pseudo-header :status in trailers")
    expect(checkResponseHeaders(["upgrade", "h2c"], true)).toBe("connection-specific field upgrade")
  })

  it("ignores a trailing name without a value", () => {
    expect(checkResponseHeaders([":status", "204", "X-BAD"], false)).toBe(204)
  })
})

describe("responseSection", () => {
  it("reports a final head and moves the stream to its body, where a second section is trailers", () => {
    const s = stream()
    expect(responseSection(s, [":status", "200"], false, 5)).toEqual({
      _tag: "Headers",
      streamId: 3,
      kind: "final",
      status: 200,
      headers: [":status", "200"],
      endStream: false
    })
    expect(responseSection(s, ["x-sum", "1"], true, 5)).toEqual({
      _tag: "Headers",
      streamId: 3,
      kind: "trailers",
      status: 0,
      headers: ["x-sum", "1"],
      endStream: true
    })
  })

  it("refuses trailers without END_STREAM, or malformed", () => {
    const s = stream()
    responseSection(s, [":status", "200"], false, 5)
    const open = errorOf(responseSection(s, ["x-sum", "1"], false, 5))
    expect(open).toMatchObject({
      streamId: 3,
      code: ErrorCode.PROTOCOL_ERROR,
      reason: "TrailersWithoutEndStream"
    })
    const pseudo = errorOf(responseSection(s, [":status", "200"], true, 5))
    expect(pseudo).toMatchObject({ code: ErrorCode.PROTOCOL_ERROR, reason: "MalformedTrailers" })
    expect(pseudo.detail).toBe("pseudo-header :status in trailers")
  })

  it("refuses a malformed head, saying why", () => {
    const error = errorOf(responseSection(stream(), ["x-a", "1"], false, 5))
    expect(error).toMatchObject({ streamId: 3, code: ErrorCode.PROTOCOL_ERROR, reason: "MalformedHeaders" })
    expect(error.detail).toBe("no :status")
  })

  it("reports interim heads up to the limit, then refuses them as a flood", () => {
    const s = stream()
    for (let i = 1; i <= 2; i++) {
      expect(responseSection(s, [":status", "103"], false, 2)).toMatchObject({ kind: "interim", status: 103 })
      expect(s.interim).toBe(i)
    }
    const flood = errorOf(responseSection(s, [":status", "100"], false, 2))
    expect(flood).toMatchObject({ code: ErrorCode.ENHANCE_YOUR_CALM, reason: "InterimFlood" })
    expect(flood.detail).toBe("over 2 interim responses")
  })

  it("refuses 101, and an interim head that ends the stream", () => {
    expect(errorOf(responseSection(stream(), [":status", "101"], false, 5))).toMatchObject({
      code: ErrorCode.PROTOCOL_ERROR,
      reason: "BadInterimResponse",
      detail: "interim response 101"
    })
    expect(errorOf(responseSection(stream(), [":status", "100"], true, 5)).reason).toBe("BadInterimResponse")
  })

  it("takes 199 as interim and 200 as final", () => {
    expect(responseSection(stream(), [":status", "199"], false, 5)).toMatchObject({ kind: "interim" })
    expect(responseSection(stream(), [":status", "200"], false, 5)).toMatchObject({ kind: "final" })
  })

  it("records the content-length of a final head", () => {
    const s = stream()
    responseSection(s, [":status", "200", "content-length", "12"], false, 5)
    expect(s.expectedLength).toBe(12)
    const none = stream()
    responseSection(none, [":status", "200"], false, 5)
    expect(none.expectedLength).toBe(-1)
    const same = stream()
    responseSection(same, [":status", "200", "content-length", "7", "content-length", "7"], false, 5)
    expect(same.expectedLength).toBe(7)
    const longest = stream()
    responseSection(longest, [":status", "200", "content-length", "999999999999999"], false, 5)
    expect(longest.expectedLength).toBe(999_999_999_999_999)
  })

  it("refuses an invalid or conflicting content-length", () => {
    for (const values of [[""], ["1234567890123456"], ["1a"], ["-1"], ["1", "2"], ["0", "1"]]) {
      const headers = [":status", "200", ...values.flatMap((v) => ["content-length", v])]
      expect(errorOf(responseSection(stream(), headers, false, 5)), values.join()).toMatchObject({
        code: ErrorCode.PROTOCOL_ERROR,
        reason: "InvalidContentLength"
      })
    }
  })

  it("ignores content-length where there is no body: HEAD, 204, 304", () => {
    const head = stream()
    head.headRequest = true
    expect(responseSection(head, [":status", "200", "content-length", "5"], true, 5)).toMatchObject({
      kind: "final"
    })
    expect(head.expectedLength).toBe(-1)
    for (const status of ["204", "304"]) {
      const s = stream()
      expect(responseSection(s, [":status", status, "content-length", "x"], true, 5)).toMatchObject({
        kind: "final"
      })
      expect(s.expectedLength).toBe(-1)
    }
    const ok = stream()
    expect(errorOf(responseSection(ok, [":status", "205", "content-length", "5"], true, 5)).reason).toBe(
      "ContentLengthMismatch"
    )
  })

  it("refuses a head that ends the stream short of its content-length", () => {
    const error = errorOf(responseSection(stream(), [":status", "200", "content-length", "5"], true, 5))
    expect(error).toMatchObject({ code: ErrorCode.PROTOCOL_ERROR, reason: "ContentLengthMismatch" })
    expect(error.detail).toBe("0 body bytes for a content-length of 5")
    expect(responseSection(stream(), [":status", "200", "content-length", "0"], true, 5)).toMatchObject({
      kind: "final"
    })
  })

  it("refuses trailers that end the stream short of the content-length", () => {
    const s = stream()
    responseSection(s, [":status", "200", "content-length", "5"], false, 5)
    s.bodyBytes = 4
    expect(errorOf(responseSection(s, ["x-sum", "1"], true, 5)).reason).toBe("ContentLengthMismatch")
    s.bodyBytes = 5
    expect(responseSection(s, ["x-sum", "1"], true, 5)).toMatchObject({ kind: "trailers" })
  })
})

describe("lengthMismatch", () => {
  const withLength = (expected: number, received: number): Stream => {
    const s = stream()
    s.expectedLength = expected
    s.bodyBytes = received
    return s
  }

  it("says nothing without a content-length", () => {
    expect(lengthMismatch(withLength(-1, 100), 100, true)).toBeUndefined()
  })

  it("refuses more bytes than announced, as soon as they come", () => {
    expect(lengthMismatch(withLength(10, 5), 5, false)).toBeUndefined()
    const error = lengthMismatch(withLength(10, 5), 6, false)
    expect(error).toMatchObject({
      streamId: 3,
      code: ErrorCode.PROTOCOL_ERROR,
      reason: "ContentLengthMismatch"
    })
    expect(error?.detail).toBe("11 body bytes so far for a content-length of 10")
  })

  it("refuses an end short of the length, and takes one on it", () => {
    expect(lengthMismatch(withLength(10, 5), 5, true)).toBeUndefined()
    expect(lengthMismatch(withLength(10, 5), 4, true)?.detail).toBe("9 body bytes for a content-length of 10")
    expect(lengthMismatch(withLength(0, 0), 0, true)).toBeUndefined()
  })
})
