/**
 * ORIGIN frames (RFC 8336): read on stream 0, split anywhere; ignored on
 * other streams and when malformed, as the RFC asks.
 */
import { describe, expect, it } from "vitest"
import { FrameType } from "../../../../src/internal/h2/codec/frame.js"
import { writeFrameHeader } from "../../../../src/internal/h2/codec/frame-writer.js"
import { connected } from "./support.js"

const origin = (streamId: number, entries: ReadonlyArray<string>, truncate = 0): Uint8Array => {
  const parts = entries.map((entry) => {
    const bytes = Buffer.from(entry, "latin1")
    const out = Buffer.alloc(2 + bytes.length)
    out.writeUInt16BE(bytes.length, 0)
    bytes.copy(out, 2)
    return out
  })
  const payload = Buffer.concat(parts).subarray(0, Buffer.concat(parts).length - truncate)
  const out = new Uint8Array(9 + payload.length)
  writeFrameHeader(out, 0, payload.length, FrameType.ORIGIN, 0, streamId)
  out.set(payload, 9)
  return out
}

const originsSeen = (bytes: Uint8Array, cut: number) => {
  const { client } = connected()
  client.takeEvents()
  expect(client.receive(bytes.subarray(0, cut))).toBeUndefined()
  expect(client.receive(bytes.subarray(cut))).toBeUndefined()
  return client.takeEvents().flatMap((event) => (event._tag === "Origin" ? [event.origins] : []))
}

describe("ORIGIN frames", () => {
  const entries = ["https://a.example", "https://b.example:8443"]

  it("are read on stream 0 whatever the split", () => {
    const bytes = origin(0, entries)
    for (let cut = 0; cut <= bytes.length; cut++) expect(originsSeen(bytes, cut)).toEqual([entries])
  })

  it("are ignored on any other stream", () => {
    expect(originsSeen(origin(1, entries), 0)).toEqual([])
  })

  it("with an entry running past the payload list nothing, and the connection goes on", () => {
    expect(originsSeen(origin(0, entries, 3), 0)).toEqual([[]])
  })
})
