import { describe, expect, it } from "vitest"
import { H2ConnectionError, H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import { decodeFrame } from "../../../../src/internal/h2/codec/frame-decode.js"
import { Flag, type Frame, FrameType } from "../../../../src/internal/h2/codec/frame.js"
import { FrameWriter, writeFrameHeader } from "../../../../src/internal/h2/codec/frame-writer.js"

const concat = (pieces: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(pieces))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
const block = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

/** The frames in `bytes`, whole, decoded one after another. */
const framesOf = (bytes: Uint8Array): Array<Frame> => {
  const frames: Array<Frame> = []
  let at = 0
  while (at < bytes.length) {
    const length = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!
    const streamId =
      ((bytes[at + 5]! << 24) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 8) | bytes[at + 8]!) >>> 0
    const result = decodeFrame(
      bytes[at + 3]!,
      bytes[at + 4]!,
      streamId,
      bytes.subarray(at + 9, at + 9 + length)
    )
    if (result instanceof H2ConnectionError || result instanceof H2StreamError) throw result
    frames.push(result)
    at += 9 + length
  }
  return frames
}

describe("writeFrameHeader", () => {
  it("writes the 24-bit length, type, flags and 31-bit stream id big-endian", () => {
    const out = new Uint8Array(11).fill(0xee)
    writeFrameHeader(out, 1, 0xabcdef, 0x12, 0x34, 0xf1234567)
    expect(toHex(out)).toBe("ee" + "abcdef" + "12" + "34" + "71234567" + "ee")
  })
})

describe("FrameWriter", () => {
  it("writes DATA of 2^16 bytes and more, by reference, with the whole length", () => {
    const writer = new FrameWriter()
    const payload = block(70_000)
    writer.data(1, payload, true)
    const pieces = writer.take()
    expect(pieces.at(-1)).toBe(payload)
    expect(toHex(pieces[0]!)).toBe("011170" + "00" + "01" + "00000001")
  })

  it("passes DATA of the copy threshold by reference, and copies anything shorter", () => {
    const writer = new FrameWriter({ copyThreshold: 100 })
    const at = block(100)
    writer.data(1, at, false)
    expect(writer.take()).toContain(at)
    const under = block(99)
    writer.data(1, under, false)
    const pieces = writer.take()
    expect(pieces).toHaveLength(1)
    expect(pieces[0]).not.toBe(under)
    expect(framesOf(pieces[0]!)).toMatchObject([{ _tag: "Data", data: under }])
  })

  it("copies padded DATA whatever its size, padding with zeros", () => {
    const writer = new FrameWriter({ copyThreshold: 10 })
    writer.data(3, block(50), true, 4)
    const bytes = concat(writer.take())
    expect(bytes).toHaveLength(9 + 1 + 50 + 4)
    expect(bytes[4]).toBe(Flag.END_STREAM | Flag.PADDED)
    expect(bytes[9]).toBe(4)
    expect(toHex(bytes.subarray(-4))).toBe("00000000")
    expect(framesOf(bytes)).toMatchObject([
      { _tag: "Data", streamId: 3, endStream: true, data: block(50), flowLength: 55 }
    ])
  })

  it("sets no flag on unpadded DATA that goes on", () => {
    const writer = new FrameWriter()
    writer.data(1, block(3), false)
    expect(toHex(concat(writer.take()))).toBe("000003" + "00" + "00" + "00000001" + toHex(block(3)))
  })

  it("counts every byte written and not yet taken", () => {
    const writer = new FrameWriter({ slabSize: 64, copyThreshold: 100 })
    expect(writer.pendingBytes).toBe(0)
    writer.settingsAck()
    writer.data(1, block(200), false)
    writer.ping(block(8), false)
    writer.preface()
    expect(writer.pendingBytes).toBe(9 + 9 + 200 + 17 + 24)
    expect(concat(writer.take())).toHaveLength(9 + 9 + 200 + 17 + 24)
    expect(writer.pendingBytes).toBe(0)
  })

  it("fills a slab to its last byte before starting another, and hands out no empty piece", () => {
    const writer = new FrameWriter({ slabSize: 18 })
    expect(writer.take()).toEqual([])
    writer.settingsAck()
    writer.settingsAck()
    expect(writer.take().map((p) => p.length)).toEqual([18])
    writer.settingsAck()
    writer.settingsAck()
    writer.settingsAck()
    expect(writer.take().map((p) => p.length)).toEqual([18, 9])
    expect(writer.take()).toEqual([])
  })

  it("takes a frame larger than its slab in a slab of its own", () => {
    const writer = new FrameWriter({ slabSize: 32 })
    writer.settingsAck()
    writer.headers(1, block(100), { endStream: true }, 16_384)
    const pieces = writer.take()
    expect(pieces.map((p) => p.length)).toEqual([9, 109])
    expect(framesOf(concat(pieces))).toMatchObject([
      { _tag: "Settings", ack: true },
      { _tag: "Headers", endHeaders: true, fragment: block(100) }
    ])
  })

  it("writes HEADERS with padding and priority, and CONTINUATION frames of the frame size", () => {
    const writer = new FrameWriter()
    const fieldBlock = block(30)
    // 1 + 3 padding, 5 priority: 9 fixed bytes, so 7 of the block in a frame of 16.
    writer.headers(
      5,
      fieldBlock,
      { endStream: false, padLength: 3, priority: { exclusive: false, dependency: 3, weight: 9 } },
      16
    )
    const bytes = concat(writer.take())
    expect(toHex(bytes.subarray(0, 9))).toBe(
      "000010" + "01" + (Flag.PADDED | Flag.PRIORITY).toString(16).padStart(2, "0") + "00000005"
    )
    expect(framesOf(bytes)).toMatchObject([
      {
        _tag: "Headers",
        endHeaders: false,
        endStream: false,
        priority: { exclusive: false, dependency: 3, weight: 9 },
        fragment: fieldBlock.subarray(0, 7)
      },
      { _tag: "Continuation", endHeaders: false, fragment: fieldBlock.subarray(7, 23) },
      { _tag: "Continuation", endHeaders: true, fragment: fieldBlock.subarray(23) }
    ])
  })

  it("writes a HEADERS frame that holds the whole block with END_HEADERS and no CONTINUATION", () => {
    const writer = new FrameWriter()
    writer.headers(1, block(16), { endStream: true }, 16)
    expect(framesOf(concat(writer.take()))).toMatchObject([
      { _tag: "Headers", endHeaders: true, endStream: true, fragment: block(16) }
    ])
  })

  it("writes an empty HEADERS frame when its fixed fields take the whole frame", () => {
    const writer = new FrameWriter()
    writer.headers(1, block(4), { endStream: false, padLength: 15 }, 16)
    expect(framesOf(concat(writer.take()))).toMatchObject([
      { _tag: "Headers", endHeaders: false, fragment: new Uint8Array(0) },
      { _tag: "Continuation", endHeaders: true, fragment: block(4) }
    ])
  })

  it("writes PUSH_PROMISE with CONTINUATION frames when the block does not fit", () => {
    const writer = new FrameWriter()
    writer.pushPromise(1, 0x8000_0002, block(20), 16)
    expect(framesOf(concat(writer.take()))).toMatchObject([
      {
        _tag: "PushPromise",
        streamId: 1,
        promisedStreamId: 2,
        endHeaders: false,
        fragment: block(20).subarray(0, 12)
      },
      { _tag: "Continuation", endHeaders: true, fragment: block(20).subarray(12) }
    ])
    writer.pushPromise(1, 4, block(12), 16)
    expect(framesOf(concat(writer.take()))).toMatchObject([
      { _tag: "PushPromise", endHeaders: true, fragment: block(12) }
    ])
  })

  it("writes the fields of the other frames exactly", () => {
    const writer = new FrameWriter()
    writer.priority(7, { exclusive: true, dependency: 0x8000_0003, weight: 15 })
    writer.rstStream(3, 0xdeadbeef)
    writer.settings([{ id: 0x1234, value: 0x89abcdef }])
    writer.ping(block(10), true)
    writer.goAway(0xffff_ffff, 0xfedcba98, Uint8Array.of(1, 2))
    writer.windowUpdate(9, 0xffff_ffff)
    writer.continuation(11, block(2), false)
    expect(toHex(concat(writer.take()))).toBe(
      ["000005" + "02" + "00" + "00000007" + "80000003" + "0f"]
        .concat("000004" + "03" + "00" + "00000003" + "deadbeef")
        .concat("000006" + "04" + "00" + "00000000" + "1234" + "89abcdef")
        .concat("000008" + "06" + "01" + "00000000" + toHex(block(8)))
        .concat("00000a" + "07" + "00" + "00000000" + "7fffffff" + "fedcba98" + "0102")
        .concat("000004" + "08" + "00" + "00000009" + "7fffffff")
        .concat("000002" + "09" + "00" + "0000000b" + toHex(block(2)))
        .join("")
    )
    expect(FrameType.CONTINUATION).toBe(9)
  })

  it("counts the bytes of PUSH_PROMISE and SETTINGS frames", () => {
    const writer = new FrameWriter({ slabSize: 16 })
    writer.pushPromise(1, 2, block(10), 16_384)
    expect(writer.pendingBytes).toBe(9 + 4 + 10)
    writer.settings([
      { id: 1, value: 2 },
      { id: 3, value: 4 }
    ])
    expect(writer.pendingBytes).toBe(9 + 4 + 10 + 9 + 12)
    expect(concat(writer.take())).toHaveLength(9 + 4 + 10 + 9 + 12)
  })
})
