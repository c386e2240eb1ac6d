/**
 * Micro-benchmark of the HTTP/1.1 codec: parsing a typical keep-alive
 * response and serializing a GET head, in nanoseconds per operation.
 *
 * Run with `npx tsx packages/bench/src/micro/codec.ts`.
 */
import { serializeHead } from "../../../client/src/internal/h1/request-serializer.js"
import { type ResponseHandler, ResponseParser } from "../../../client/src/internal/h1/response-parser.js"

const head =
  "HTTP/1.1 200 OK\r\n" +
  "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
  "Server: nginx/1.25.3\r\n" +
  "Content-Type: application/json; charset=utf-8\r\n" +
  "Connection: keep-alive\r\n" +
  "Cache-Control: private, max-age=0\r\n" +
  'ETag: W/"400-1a2b3c4d5e6f"\r\n' +
  "Vary: Accept-Encoding\r\n" +
  "X-Request-Id: 4f1c2a9e-7b3d-4e8f-a6c5-0d9e8f7a6b5c\r\n" +
  "X-Frame-Options: DENY\r\n"
/** 1 KiB in all, with a three-digit Content-Length. */
const bodyLength = 1024 - head.length - "Content-Length: 000\r\n\r\n".length
const response = Buffer.from(
  `${head}Content-Length: ${bodyLength}\r\n\r\n${"x".repeat(bodyLength)}`,
  "latin1"
)
/** Cut inside a header line (carried over) and inside the body. */
const pieces = [response.subarray(0, 200), response.subarray(200, 600), response.subarray(600)]

let sink = 0
const handler: ResponseHandler = {
  onInformational: () => {},
  onHead: (h) => {
    sink += h.status
  },
  onBody: (chunk) => {
    sink += chunk.byteLength
  },
  onComplete: () => {
    sink++
  }
}

/** Best of several timed rounds, in ns per call of `op`. */
const measure = (op: () => void, iterations: number): number => {
  for (let i = 0; i < iterations; i++) op()
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) op()
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations)
  }
  return best
}

const parser = new ResponseParser(handler)
const parseOne = (): void => {
  parser.expect(false)
  const error = parser.feed(response)
  if (error !== undefined) throw new Error(error.detail)
}
const parseThree = (): void => {
  parser.expect(false)
  for (const piece of pieces) {
    const error = parser.feed(piece)
    if (error !== undefined) throw new Error(error.detail)
  }
}

const requestHeaders: ReadonlyArray<readonly [string, string]> = [
  ["accept", "application/json"],
  ["accept-encoding", "gzip, deflate, br"],
  ["user-agent", "effect-requests/0.1.0"],
  ["authorization", "Bearer 0123456789abcdef0123456789abcdef"]
]
const serializeOne = (): void => {
  const out = serializeHead("GET", "/api/v1/items?page=2&limit=50", "api.example.com", requestHeaders, {
    _tag: "none"
  })
  sink += out instanceof Buffer ? out.length : 0
}

const report = (label: string, ns: number): void =>
  console.log(`${label.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns`)

console.log(`response: ${response.length} bytes, 10 header fields`)
report("parse, 1 chunk", measure(parseOne, 200_000))
report("parse, 3 chunks", measure(parseThree, 200_000))
report("serialize GET head (4 headers)", measure(serializeOne, 200_000))
if (sink === 0) console.log("unreachable")
