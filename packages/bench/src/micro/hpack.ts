/**
 * Micro-benchmark of HPACK: encoding a typical request header list and
 * decoding a typical response header list, on a connection's first block
 * (every field a literal, Huffman-coded) and once the dynamic tables are
 * warm (repeated fields indexed), in nanoseconds per header block.
 *
 * Run with `npx tsx packages/bench/src/micro/hpack.ts`.
 */
import { HpackDecoder } from "../../../client/src/internal/h2/codec/hpack-decoder.js"
import { HpackEncoder } from "../../../client/src/internal/h2/codec/hpack-encoder.js"

const request: ReadonlyArray<string> = [
  ":method",
  "GET",
  ":scheme",
  "https",
  ":authority",
  "api.example.com",
  ":path",
  "/api/v1/items?page=2&limit=50",
  "accept",
  "application/json",
  "accept-encoding",
  "gzip, deflate, br",
  "user-agent",
  "effect-requests/0.1.0",
  "authorization",
  "Bearer 0123456789abcdef0123456789abcdef"
]

const response: ReadonlyArray<string> = [
  ":status",
  "200",
  "date",
  "Mon, 01 Jan 2024 00:00:00 GMT",
  "server",
  "nginx/1.25.3",
  "content-type",
  "application/json; charset=utf-8",
  "cache-control",
  "private, max-age=0",
  "etag",
  'W/"400-1a2b3c4d5e6f"',
  "vary",
  "Accept-Encoding",
  "x-request-id",
  "4f1c2a9e-7b3d-4e8f-a6c5-0d9e8f7a6b5c",
  "x-frame-options",
  "DENY",
  "content-length",
  "1024"
]

let sink = 0

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

const decodeOrThrow = (decoder: HpackDecoder, block: Uint8Array): Array<string> => {
  const headers = decoder.decode(block, 1)
  if (!Array.isArray(headers)) throw headers
  return headers
}

/**
 * A block that refers to a warm table and adds nothing to it, so decoding
 * it again and again leaves the decoder's table as it was.
 */
const warmBlock = (headers: ReadonlyArray<string>): { block: Uint8Array; decoder: HpackDecoder } => {
  const encoder = new HpackEncoder()
  const decoder = new HpackDecoder()
  decodeOrThrow(decoder, encoder.encode(headers))
  const block = encoder.encode(headers).slice()
  const size = decoder.tableSize
  if (decodeOrThrow(decoder, block).join("\n") !== headers.join("\n") || decoder.tableSize !== size) {
    throw new Error("the warm block does not round-trip")
  }
  return { block, decoder }
}

const firstRequestBlock = new HpackEncoder().encode(request).slice()
const firstResponseBlock = new HpackEncoder().encode(response).slice()
const warmRequest = warmBlock(request)
const warmResponse = warmBlock(response)

const warmEncoder = new HpackEncoder()
warmEncoder.encode(request)

const report = (label: string, ns: number): void =>
  console.log(`${label.padEnd(48)} ${ns.toFixed(0).padStart(6)} ns`)

console.log(
  `request: 8 fields, ${firstRequestBlock.length} bytes first, ${warmRequest.block.length} bytes warm; ` +
    `response: 10 fields, ${firstResponseBlock.length} bytes first, ${warmResponse.block.length} bytes warm`
)
report(
  "encode request, first block (new encoder)",
  measure(() => {
    sink += new HpackEncoder().encode(request).length
  }, 100_000)
)
report(
  "encode request, warm table",
  measure(() => {
    sink += warmEncoder.encode(request).length
  }, 200_000)
)
report(
  "decode request, warm table",
  measure(() => {
    sink += decodeOrThrow(warmRequest.decoder, warmRequest.block).length
  }, 200_000)
)
report(
  "decode response, first block (new decoder)",
  measure(() => {
    sink += decodeOrThrow(new HpackDecoder(), firstResponseBlock).length
  }, 100_000)
)
report(
  "decode response, warm table",
  measure(() => {
    sink += decodeOrThrow(warmResponse.decoder, warmResponse.block).length
  }, 200_000)
)
report(
  "encode response, warm table",
  measure(() => {
    sink += warmEncoder.encode(response).length
  }, 200_000)
)
if (sink === 0) console.log("unreachable")
