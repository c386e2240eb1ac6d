import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { connectionError, type H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import { type Frame, FrameType } from "../../../../src/internal/h2/codec/frame.js"
import { FrameReader } from "../../../../src/internal/h2/codec/frame-reader.js"
import { writeFrameHeader } from "../../../../src/internal/h2/codec/frame-writer.js"

const raw = (
  type: number,
  flags: number,
  streamId: number,
  payload: ReadonlyArray<number>,
  length?: number
) => {
  const out = new Uint8Array(9 + payload.length)
  writeFrameHeader(out, 0, length ?? payload.length, type, flags, streamId)
  out.set(payload, 9)
  return out
}
const ping = raw(FrameType.PING, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8])

const recorder = () => {
  const frames: Array<Frame> = []
  const streamErrors: Array<H2StreamError> = []
  const reader = new FrameReader({
    onFrame: (frame) => {
      frames.push(frame)
      return undefined
    },
    onStreamError: (error) => {
      streamErrors.push(error)
      return undefined
    }
  })
  return { reader, frames, streamErrors }
}

describe("FrameReader", () => {
  it("is idle between frames only", () => {
    const { reader } = recorder()
    expect(reader.idle).toBe(true)
    reader.feed(ping.subarray(0, 4))
    expect(reader.idle).toBe(false)
    reader.feed(ping.subarray(4, 9))
    expect(reader.idle).toBe(false)
    reader.feed(ping.subarray(9))
    expect(reader.idle).toBe(true)
  })

  it("is idle after an empty frame of an unknown type, and reads on", () => {
    const { reader, frames } = recorder()
    expect(reader.feed(raw(0x42, 0, 0, []))).toBeUndefined()
    expect(reader.idle).toBe(true)
    reader.feed(ping)
    expect(frames).toMatchObject([{ _tag: "Ping" }])
  })

  it("skips an unknown frame fed in pieces, then reads the next", () => {
    const { reader, frames } = recorder()
    const unknown = raw(0x20, 0, 1, [1, 2, 3, 4, 5, 6])
    reader.feed(unknown.subarray(0, 11))
    expect(reader.idle).toBe(false)
    reader.feed(unknown.subarray(11, 13))
    reader.feed(new Uint8Array([...unknown.subarray(13), ...ping]))
    expect(frames).toMatchObject([{ _tag: "Ping" }])
    expect(reader.idle).toBe(true)
  })

  it("reads ORIGIN on stream 0 only, and skips the types past it", () => {
    const { reader, frames } = recorder()
    reader.feed(raw(FrameType.ORIGIN, 0, 0, [0, 1, 0x61]))
    reader.feed(raw(FrameType.ORIGIN, 0, 1, [0, 1, 0x62]))
    reader.feed(raw(FrameType.ORIGIN + 1, 0, 0, [0, 1, 0x63]))
    reader.feed(raw(0x0a, 0, 0, [0, 1, 0x64]))
    expect(frames).toEqual([{ _tag: "Origin", origins: ["a"] }])
  })

  it("takes a frame of exactly the maximum size and refuses one byte more", () => {
    const { reader, frames } = recorder()
    reader.setMaxFrameSize(16_384)
    expect(reader.feed(raw(FrameType.DATA, 0, 1, new Array<number>(16_384).fill(0)))).toBeUndefined()
    expect(frames).toHaveLength(1)
    const error = reader.feed(raw(FrameType.DATA, 0, 1, [], 16_385))
    expect(error).toMatchObject({ code: ErrorCode.FRAME_SIZE_ERROR, reason: "FrameTooLarge" })
    expect(error?.detail).toBe("frame of type 0 with 16385 bytes, over SETTINGS_MAX_FRAME_SIZE 16384")
  })

  it("reads a 24-bit length from a header cut anywhere", () => {
    const payload = new Array<number>(70_000).fill(7)
    const frame = raw(FrameType.DATA, 0, 1, payload)
    for (let cut = 1; cut < 9; cut++) {
      const { reader, frames } = recorder()
      reader.setMaxFrameSize(1 << 20)
      expect(reader.feed(frame.subarray(0, cut))).toBeUndefined()
      expect(reader.feed(frame.subarray(cut))).toBeUndefined()
      expect(frames).toMatchObject([{ _tag: "Data", flowLength: 70_000 }])
    }
  })

  it("stops at the connection error a handler returns, and gives it again", () => {
    const error = connectionError(ErrorCode.PROTOCOL_ERROR, "Test", "stop")
    let seen = 0
    const reader = new FrameReader({
      onFrame: () => {
        seen++
        return error
      },
      onStreamError: () => undefined
    })
    expect(reader.feed(new Uint8Array([...ping, ...ping]))).toBe(error)
    expect(seen).toBe(1)
    expect(reader.feed(ping)).toBe(error)
    expect(seen).toBe(1)
  })

  it("stops at the connection error the stream error handler returns", () => {
    const error = connectionError(ErrorCode.PROTOCOL_ERROR, "Test", "stop")
    const reader = new FrameReader({ onFrame: () => undefined, onStreamError: () => error })
    expect(reader.feed(raw(FrameType.PRIORITY, 0, 3, [0, 0, 0, 3, 16]))).toBe(error)
  })

  it("reads the header of a frame whose payload is cut, and a frame whose payload comes alone", () => {
    const { reader, frames } = recorder()
    reader.feed(ping.subarray(0, 9))
    expect(reader.idle).toBe(false)
    reader.feed(ping.subarray(9, 12))
    reader.feed(ping.subarray(12))
    expect(frames).toMatchObject([{ _tag: "Ping", data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }])
  })
})
