import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { H2ConnectionError, H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import {
  checkSetting,
  decodeFrame,
  readUint31,
  readUint32
} from "../../../../src/internal/h2/codec/frame-decode.js"
import { Flag, FrameType, SettingId } from "../../../../src/internal/h2/codec/frame.js"

const bytes = (...b: ReadonlyArray<number>): Uint8Array => Uint8Array.from(b)

const connectionErrorOf = (result: unknown): H2ConnectionError => {
  expect(result).toBeInstanceOf(H2ConnectionError)
  return result as H2ConnectionError
}

describe("readUint32 and readUint31", () => {
  it("read big-endian at an offset, the 31-bit form without the high bit", () => {
    const b = bytes(0xee, 0xfe, 0xdc, 0xba, 0x98)
    expect(readUint32(b, 1)).toBe(0xfedcba98)
    expect(readUint31(b, 1)).toBe(0x7edcba98)
    expect(readUint32(bytes(0, 0, 1, 0), 0)).toBe(256)
  })
})

describe("checkSetting", () => {
  it("takes the bounds of each range and refuses one past them", () => {
    expect(checkSetting(SettingId.ENABLE_PUSH, 0)).toBeUndefined()
    expect(checkSetting(SettingId.ENABLE_PUSH, 1)).toBeUndefined()
    expect(checkSetting(SettingId.ENABLE_PUSH, 2)).toMatchObject({
      code: ErrorCode.PROTOCOL_ERROR,
      reason: "BadSetting"
    })
    expect(checkSetting(SettingId.INITIAL_WINDOW_SIZE, 2 ** 31 - 1)).toBeUndefined()
    expect(checkSetting(SettingId.INITIAL_WINDOW_SIZE, 2 ** 31)).toMatchObject({
      code: ErrorCode.FLOW_CONTROL_ERROR,
      detail: "SETTINGS_INITIAL_WINDOW_SIZE of 2147483648"
    })
    expect(checkSetting(SettingId.MAX_FRAME_SIZE, 16_384)).toBeUndefined()
    expect(checkSetting(SettingId.MAX_FRAME_SIZE, 16_777_215)).toBeUndefined()
    expect(checkSetting(SettingId.MAX_FRAME_SIZE, 16_383)?.detail).toBe("SETTINGS_MAX_FRAME_SIZE of 16383")
    expect(checkSetting(SettingId.MAX_FRAME_SIZE, 16_777_216)?.code).toBe(ErrorCode.PROTOCOL_ERROR)
    expect(checkSetting(SettingId.ENABLE_PUSH, 2)?.detail).toBe("SETTINGS_ENABLE_PUSH of 2")
    expect(checkSetting(SettingId.MAX_CONCURRENT_STREAMS, 0xffff_ffff)).toBeUndefined()
    expect(checkSetting(0x99, 0xffff_ffff)).toBeUndefined()
  })
})

describe("decodeFrame", () => {
  it("takes padding that fills the payload, and a padded frame of just its pad length", () => {
    expect(decodeFrame(FrameType.DATA, Flag.PADDED, 1, bytes(2, 0, 0))).toMatchObject({
      _tag: "Data",
      data: new Uint8Array(0),
      flowLength: 3
    })
    expect(decodeFrame(FrameType.DATA, Flag.PADDED, 1, bytes(0))).toMatchObject({
      _tag: "Data",
      data: new Uint8Array(0)
    })
    expect(decodeFrame(FrameType.DATA, Flag.PADDED, 1, bytes(1, 7, 0))).toMatchObject({ data: bytes(7) })
    expect(decodeFrame(FrameType.DATA, 0, 1, bytes(5, 6))).toMatchObject({
      data: bytes(5, 6),
      endStream: false
    })
    expect(decodeFrame(FrameType.DATA, Flag.END_STREAM, 1, bytes())).toMatchObject({ endStream: true })
  })

  it("says how a frame's padding is wrong", () => {
    const error = connectionErrorOf(decodeFrame(FrameType.DATA, Flag.PADDED, 1, bytes(3, 0, 0)))
    expect(error.detail).toBe("DATA frame of 3 bytes with 3 bytes of padding")
    const short = connectionErrorOf(decodeFrame(FrameType.DATA, Flag.PADDED, 1, bytes()))
    expect(short.detail).toBe("DATA frame of 0 bytes is too short")
    expect(connectionErrorOf(decodeFrame(FrameType.PUSH_PROMISE, 0, 1, bytes(0, 0, 2))).detail).toBe(
      "PUSH_PROMISE frame of 3 bytes is too short"
    )
  })

  it("reads HEADERS with exactly its priority, and padded HEADERS with priority", () => {
    expect(
      decodeFrame(FrameType.HEADERS, Flag.PRIORITY | Flag.END_HEADERS, 1, bytes(0x80, 0, 0, 3, 7))
    ).toMatchObject({
      _tag: "Headers",
      endHeaders: true,
      endStream: false,
      priority: { exclusive: true, dependency: 3, weight: 7 },
      fragment: new Uint8Array(0)
    })
    expect(
      decodeFrame(FrameType.HEADERS, Flag.PRIORITY | Flag.PADDED, 1, bytes(1, 0, 0, 0, 5, 16, 0xaa, 0xbb, 0))
    ).toMatchObject({
      priority: { exclusive: false, dependency: 5, weight: 16 },
      fragment: bytes(0xaa, 0xbb)
    })
    expect(decodeFrame(FrameType.HEADERS, Flag.PADDED | Flag.END_STREAM, 1, bytes(1, 0xaa, 0))).toMatchObject(
      {
        endStream: true,
        endHeaders: false,
        priority: undefined,
        fragment: bytes(0xaa)
      }
    )
    expect(
      connectionErrorOf(decodeFrame(FrameType.HEADERS, Flag.PRIORITY, 1, bytes(0, 0, 0, 3))).reason
    ).toBe("BadFrameLength")
  })

  it("reads PUSH_PROMISE of exactly a promised id, padded or not", () => {
    expect(decodeFrame(FrameType.PUSH_PROMISE, 0, 1, bytes(0x80, 0, 0, 2))).toMatchObject({
      _tag: "PushPromise",
      endHeaders: false,
      promisedStreamId: 2,
      fragment: new Uint8Array(0)
    })
    expect(
      decodeFrame(FrameType.PUSH_PROMISE, Flag.PADDED | Flag.END_HEADERS, 1, bytes(1, 0, 0, 0, 4, 0xcc, 0))
    ).toMatchObject({
      endHeaders: true,
      promisedStreamId: 4,
      fragment: bytes(0xcc)
    })
  })

  it("reads PRIORITY, PING, GOAWAY and CONTINUATION fields", () => {
    expect(decodeFrame(FrameType.PRIORITY, 0, 3, bytes(0, 0, 0, 1, 255))).toEqual({
      _tag: "Priority",
      streamId: 3,
      priority: { exclusive: false, dependency: 1, weight: 255 }
    })
    expect(decodeFrame(FrameType.PRIORITY, 0, 3, bytes(0, 0, 0, 1, 0, 0))).toMatchObject({
      _tag: "H2StreamError",
      streamId: 3,
      code: ErrorCode.FRAME_SIZE_ERROR,
      detail: "PRIORITY frame of 6 bytes"
    })
    expect(decodeFrame(FrameType.PING, 0, 0, new Uint8Array(8))).toMatchObject({ _tag: "Ping", ack: false })
    expect(decodeFrame(FrameType.PING, Flag.ACK, 0, new Uint8Array(8))).toMatchObject({
      _tag: "Ping",
      ack: true
    })
    expect(connectionErrorOf(decodeFrame(FrameType.PING, 0, 0, new Uint8Array(9))).detail).toBe(
      "PING frame of 9 bytes"
    )
    expect(decodeFrame(FrameType.GOAWAY, 0, 0, bytes(0x80, 0, 0, 9, 0, 0, 0, 2))).toEqual({
      _tag: "GoAway",
      lastStreamId: 9,
      errorCode: 2,
      debugData: new Uint8Array(0)
    })
    expect(decodeFrame(FrameType.CONTINUATION, 0, 5, bytes(1))).toMatchObject({
      _tag: "Continuation",
      endHeaders: false
    })
    expect(decodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 5, bytes(1))).toMatchObject({
      endHeaders: true
    })
  })

  it("reads RST_STREAM and WINDOW_UPDATE, and says what is wrong with them", () => {
    expect(decodeFrame(FrameType.RST_STREAM, 0, 1, bytes(0xff, 0, 0, 8))).toEqual({
      _tag: "RstStream",
      streamId: 1,
      errorCode: 0xff000008
    })
    expect(connectionErrorOf(decodeFrame(FrameType.RST_STREAM, 0, 1, bytes(0, 0, 8))).detail).toBe(
      "RST_STREAM frame of 3 bytes"
    )
    expect(decodeFrame(FrameType.WINDOW_UPDATE, 0, 3, bytes(0, 0, 0, 1))).toEqual({
      _tag: "WindowUpdate",
      streamId: 3,
      increment: 1
    })
    expect(connectionErrorOf(decodeFrame(FrameType.WINDOW_UPDATE, 0, 3, bytes(0, 0, 0, 1, 0))).detail).toBe(
      "WINDOW_UPDATE frame of 5 bytes"
    )
    expect(decodeFrame(FrameType.WINDOW_UPDATE, 0, 3, bytes(0x80, 0, 0, 0))).toBeInstanceOf(H2StreamError)
    expect(connectionErrorOf(decodeFrame(FrameType.DATA, 0, 0, bytes())).detail).toBe(
      "DATA frame on stream 0"
    )
    expect(connectionErrorOf(decodeFrame(FrameType.PING, 0, 3, new Uint8Array(8))).detail).toBe(
      "PING frame on stream 3, not 0"
    )
  })

  it("reads SETTINGS, ACK or not, and refuses a bad value", () => {
    expect(decodeFrame(FrameType.SETTINGS, Flag.ACK, 0, bytes())).toEqual({
      _tag: "Settings",
      ack: true,
      settings: []
    })
    expect(decodeFrame(FrameType.SETTINGS, 0, 0, bytes(0x12, 0x34, 0xff, 0, 0, 1, 0, 3, 0, 0, 0, 0))).toEqual(
      {
        _tag: "Settings",
        ack: false,
        settings: [
          { id: 0x1234, value: 0xff000001 },
          { id: 3, value: 0 }
        ]
      }
    )
    expect(
      connectionErrorOf(decodeFrame(FrameType.SETTINGS, 0, 0, bytes(0, 3, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5)))
        .reason
    ).toBe("BadSetting")
    expect(connectionErrorOf(decodeFrame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(6))).detail).toBe(
      "SETTINGS frame ACK with 6 bytes"
    )
    expect(connectionErrorOf(decodeFrame(FrameType.SETTINGS, 0, 0, new Uint8Array(7))).detail).toBe(
      "SETTINGS frame of 7 bytes, not a multiple of 6"
    )
  })

  it("reads the entries of ORIGIN, empty ones included, and lists none when one runs past the payload", () => {
    const entry = (s: string): Array<number> => [s.length >> 8, s.length & 0xff, ...Buffer.from(s, "latin1")]
    const long = "h".repeat(300)
    const payload = bytes(0xee, ...entry("https://a.test"), ...entry(""), ...entry(long))
    expect(decodeFrame(FrameType.ORIGIN, 0, 0, payload.subarray(1))).toEqual({
      _tag: "Origin",
      origins: ["https://a.test", "", long]
    })
    expect(decodeFrame(FrameType.ORIGIN, 0, 0, bytes())).toEqual({ _tag: "Origin", origins: [] })
    // A lone octet cannot hold a length: the list ends there.
    expect(decodeFrame(FrameType.ORIGIN, 0, 0, bytes(...entry("a"), 0))).toEqual({
      _tag: "Origin",
      origins: ["a"]
    })
    expect(decodeFrame(FrameType.ORIGIN, 0, 0, bytes(...entry("ab").slice(0, 3)))).toEqual({
      _tag: "Origin",
      origins: []
    })
  })

  it("reads a last ORIGIN entry that is empty", () => {
    expect(decodeFrame(FrameType.ORIGIN, 0, 0, bytes(0, 1, 0x61, 0, 0))).toEqual({
      _tag: "Origin",
      origins: ["a", ""]
    })
  })

  it("refuses padded HEADERS with priority too short for both, by its length", () => {
    for (const n of [0, 1, 5]) {
      const error = connectionErrorOf(
        decodeFrame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 1, new Uint8Array(n))
      )
      expect(error).toMatchObject({
        code: ErrorCode.FRAME_SIZE_ERROR,
        detail: `HEADERS frame of ${n} bytes is too short`
      })
    }
  })

  it("names the frame type in every error", () => {
    const cases: ReadonlyArray<readonly [number, number, number, Uint8Array, string]> = [
      [FrameType.SETTINGS, 0, 1, bytes(), "SETTINGS frame on stream 1, not 0"],
      [FrameType.HEADERS, 0, 0, bytes(), "HEADERS frame on stream 0"],
      [FrameType.PUSH_PROMISE, 0, 0, new Uint8Array(4), "PUSH_PROMISE frame on stream 0"],
      [FrameType.PRIORITY, 0, 0, new Uint8Array(5), "PRIORITY frame on stream 0"],
      [FrameType.RST_STREAM, 0, 0, new Uint8Array(4), "RST_STREAM frame on stream 0"],
      [FrameType.GOAWAY, 0, 5, new Uint8Array(8), "GOAWAY frame on stream 5, not 0"],
      [FrameType.GOAWAY, 0, 0, new Uint8Array(7), "GOAWAY frame of 7 bytes"],
      [FrameType.CONTINUATION, 0, 0, bytes(), "CONTINUATION frame on stream 0"],
      [FrameType.WINDOW_UPDATE, 0, 0, new Uint8Array(4), "WINDOW_UPDATE with an increment of 0"]
    ]
    for (const [type, flags, streamId, payload, detail] of cases) {
      expect(decodeFrame(type, flags, streamId, payload), detail).toMatchObject({ detail })
    }
    expect(decodeFrame(FrameType.WINDOW_UPDATE, 0, 3, new Uint8Array(4))).toMatchObject({
      detail: "WINDOW_UPDATE with an increment of 0"
    })
    expect(decodeFrame(FrameType.PRIORITY, 0, 3, bytes(0, 0, 0, 3, 1))).toMatchObject({
      reason: "SelfDependency",
      detail: "stream depends on itself"
    })
  })
})
