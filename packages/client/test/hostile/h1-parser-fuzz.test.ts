/**
 * Random bytes after a valid response head, cut into random chunks: the
 * parser never throws, never hands out more body than it was given, and
 * either keeps going, completes, or reports a typed reason; interim heads
 * never run past their cap.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { type ParseError, ResponseParser } from "../../src/internal/h1/response-parser.js"

const heads = [
  "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n",
  "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
  "HTTP/1.0 200 OK\r\n\r\n",
  "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n",
  "HTTP/1.1 204 No Content\r\n\r\n"
]

/** Bytes that look like HTTP often enough to reach deep states, and plain noise. */
const tail = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc
    .array(
      fc.constantFrom(
        "HTTP/1.1 103 Early Hints\r\n\r\n",
        "HTTP/1.1 200 OK\r\n",
        "content-length: 3\r\n",
        "transfer-encoding: chunked\r\n",
        "\r\n",
        "5\r\nhello\r\n",
        "0\r\n\r\n",
        "ffffffffffffffffff\r\n",
        "x: \x00\r\n",
        "\r",
        "abc"
      ),
      { maxLength: 40 }
    )
    .map((parts) => new Uint8Array(Buffer.from(parts.join(""), "latin1")))
)

describe("HTTP/1.1 parser fuzz", () => {
  it("random bytes after a valid head never throw nor overrun", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...heads),
        tail,
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 16 }),
        fc.boolean(),
        (head, rest, cuts, close) => {
          let body = 0
          let interim = 0
          const parser = new ResponseParser(
            {
              onInformational: () => void interim++,
              onHead: () => {},
              onBody: (chunk) => void (body += chunk.byteLength),
              onComplete: () => parser.expect(false)
            },
            { maxHeaderBytes: 1024, maxHeaderCount: 20, maxInterimResponses: 4 }
          )
          parser.expect(false)
          const input = Buffer.concat([Buffer.from(head, "latin1"), rest])
          let error: ParseError | undefined
          let pos = 0
          for (let i = 0; pos < input.length && error === undefined; i++) {
            const n = cuts[i % cuts.length]!
            error = parser.feed(input.subarray(pos, pos + n))
            pos += n
          }
          if (error === undefined && close) error = parser.finish()
          expect(body).toBeLessThanOrEqual(input.length)
          expect(interim).toBeLessThanOrEqual(4)
          if (error !== undefined) expect(typeof error.reason).toBe("string")
        }
      ),
      { numRuns: 2000 }
    )
  })
})
