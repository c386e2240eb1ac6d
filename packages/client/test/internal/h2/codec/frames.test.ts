import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import type { H2ConnectionError, H2StreamError } from "../../../../src/internal/h2/codec/errors.js"
import {
  CLIENT_PREFACE,
  type Frame,
  FrameType,
  SettingId,
  DEFAULT_MAX_FRAME_SIZE
} from "../../../../src/internal/h2/codec/frame.js"
import { FrameReader } from "../../../../src/internal/h2/codec/frame-reader.js"
import { FrameWriter, writeFrameHeader } from "../../../../src/internal/h2/codec/frame-writer.js"

type Event =
  | { readonly frame: unknown }
  | { readonly streamError: { code: number; reason: string; streamId: number } }
  | { readonly connectionError: { code: number; reason: string } }

/** A frame with its byte fields as hex, so frames compare structurally. */
const plain = (frame: Frame): unknown =>
  Object.fromEntries(
    Object.entries(frame).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v])
  )

const read = (input: Uint8Array, cuts: ReadonlyArray<number> = [], maxFrameSize?: number): Array<Event> => {
  const events: Array<Event> = []
  const reader = new FrameReader({
    onFrame: (frame) => {
      events.push({ frame: plain(frame) })
      return undefined
    },
    onStreamError: (error: H2StreamError) => {
      events.push({ streamError: { code: error.code, reason: error.reason, streamId: error.streamId } })
      return undefined
    }
  })
  if (maxFrameSize !== undefined) reader.setMaxFrameSize(maxFrameSize)
  let at = 0
  for (const cut of [...[...cuts].sort((a, b) => a - b), input.length]) {
    const error: H2ConnectionError | undefined = reader.feed(input.subarray(at, cut))
    at = cut
    if (error !== undefined) {
      events.push({ connectionError: { code: error.code, reason: error.reason } })
      return events
    }
  }
  expect(reader.idle).toBe(true)
  return events
}

const bytesOf = (pieces: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(pieces))

const block = (n: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

/** One of each of the ten frame types, in the variants their flags allow. */
const writeAll = (writer: FrameWriter): void => {
  writer.data(1, block(10), false)
  writer.data(1, block(2000), false)
  writer.data(3, block(5), true, 7)
  writer.data(5, new Uint8Array(0), true)
  writer.headers(1, block(20), { endStream: false }, DEFAULT_MAX_FRAME_SIZE)
  writer.headers(
    3,
    block(20),
    { endStream: true, priority: { exclusive: true, dependency: 1, weight: 200 }, padLength: 3 },
    DEFAULT_MAX_FRAME_SIZE
  )
  writer.headers(5, block(40), { endStream: true }, 16)
  writer.priority(7, { exclusive: false, dependency: 3, weight: 15 })
  writer.rstStream(3, ErrorCode.CANCEL)
  writer.settings([
    { id: SettingId.HEADER_TABLE_SIZE, value: 0 },
    { id: SettingId.ENABLE_PUSH, value: 0 },
    { id: SettingId.INITIAL_WINDOW_SIZE, value: 2 ** 31 - 1 },
    { id: SettingId.MAX_FRAME_SIZE, value: 16_777_215 },
    { id: 0x99, value: 12 }
  ])
  writer.settingsAck()
  writer.pushPromise(1, 2, block(30), DEFAULT_MAX_FRAME_SIZE)
  writer.ping(block(8), false)
  writer.ping(block(8, 9), true)
  writer.goAway(7, ErrorCode.ENHANCE_YOUR_CALM, block(12))
  writer.goAway(0, ErrorCode.NO_ERROR)
  writer.windowUpdate(0, 2 ** 31 - 1)
  writer.windowUpdate(9, 1)
  writer.continuation(11, block(3), true)
}

const written = (() => {
  const writer = new FrameWriter({ slabSize: 256 })
  writeAll(writer)
  return bytesOf(writer.take())
})()

describe("frames written then read back", () => {
  const expected = read(written)

  it("gives every frame type with its fields", () => {
    const tags = expected.map((e) => ("frame" in e ? (e.frame as { _tag: string })._tag : "error"))
    expect(new Set(tags)).toEqual(
      new Set([
        "Data",
        "Headers",
        "Priority",
        "RstStream",
        "Settings",
        "PushPromise",
        "Ping",
        "GoAway",
        "WindowUpdate",
        "Continuation"
      ])
    )
    expect(expected).toContainEqual({
      frame: {
        _tag: "Data",
        streamId: 3,
        endStream: true,
        data: Buffer.from(block(5)).toString("hex"),
        flowLength: 13
      }
    })
    expect(expected).toContainEqual({
      frame: {
        _tag: "Headers",
        streamId: 3,
        endStream: true,
        endHeaders: true,
        priority: { exclusive: true, dependency: 1, weight: 200 },
        fragment: Buffer.from(block(20)).toString("hex")
      }
    })
    expect(expected).toContainEqual({
      frame: {
        _tag: "Settings",
        ack: false,
        settings: [
          { id: 1, value: 0 },
          { id: 2, value: 0 },
          { id: 4, value: 2 ** 31 - 1 },
          { id: 5, value: 16_777_215 },
          { id: 0x99, value: 12 }
        ]
      }
    })
    expect(expected).toContainEqual({
      frame: {
        _tag: "GoAway",
        lastStreamId: 7,
        errorCode: ErrorCode.ENHANCE_YOUR_CALM,
        debugData: Buffer.from(block(12)).toString("hex")
      }
    })
    expect(expected).toContainEqual({ frame: { _tag: "WindowUpdate", streamId: 0, increment: 2 ** 31 - 1 } })
  })

  it("splits a field block into HEADERS and CONTINUATION frames of at most the frame size", () => {
    const headers = expected
      .filter((e) => "frame" in e && (e.frame as { streamId?: number }).streamId === 5)
      .slice(1)
    expect(
      headers.map((e) => ("frame" in e ? (e.frame as { _tag: string; endHeaders: boolean }) : undefined))
    ).toMatchObject([
      { _tag: "Headers", endHeaders: false, endStream: true },
      { _tag: "Continuation", endHeaders: false },
      { _tag: "Continuation", endHeaders: true }
    ])
  })

  it("gives the same frames for every cut into two chunks", () => {
    for (let cut = 0; cut <= written.length; cut++) expect(read(written, [cut])).toEqual(expected)
  })

  it("gives the same frames fed byte by byte", () => {
    expect(
      read(
        written,
        Array.from({ length: written.length }, (_, i) => i)
      )
    ).toEqual(expected)
  })

  it("gives the same frames under any split", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: written.length }), { maxLength: 40 }), (cuts) => {
        expect(read(written, cuts)).toEqual(expected)
      }),
      { numRuns: 500 }
    )
  })

  it("hands out pieces that later writes leave intact", () => {
    const writer = new FrameWriter({ slabSize: 64, copyThreshold: 100 })
    writer.ping(block(8), false)
    const first = writer.take()
    const before = Buffer.from(bytesOf(first)).toString("hex")
    expect(writer.take()).toEqual([])
    writer.data(1, block(500), true)
    writer.ping(block(8, 3), true)
    writer.settingsAck()
    const pieces = writer.take()
    expect(Buffer.from(bytesOf(first)).toString("hex")).toBe(before)
    // The large payload is passed on by reference, between slab regions.
    expect(pieces.filter((p) => p.length === 500)).toHaveLength(1)
    const tags = read(bytesOf([...first, ...pieces])).map((e) =>
      "frame" in e ? (e.frame as { _tag: string })._tag : "?"
    )
    expect(tags).toEqual(["Ping", "Data", "Ping", "Settings"])
  })

  it("reads a frame that arrives whole in place, and gathers a split one into a buffer of its own", () => {
    const input = raw(FrameType.DATA, 1, 1, block(100))
    const payloads: Array<Uint8Array> = []
    const reader = new FrameReader({
      onFrame: (frame) => {
        if (frame._tag === "Data") payloads.push(frame.data)
        return undefined
      },
      onStreamError: () => undefined
    })
    expect(reader.feed(input)).toBeUndefined()
    expect(payloads[0]!.buffer).toBe(input.buffer)
    expect(reader.feed(input.subarray(0, 50))).toBeUndefined()
    expect(reader.idle).toBe(false)
    expect(reader.feed(input.subarray(50))).toBeUndefined()
    expect(payloads[1]!.buffer).not.toBe(input.buffer)
    expect(payloads[1]!.byteLength).toBe(100)
    expect(Buffer.from(payloads[1]!)).toEqual(Buffer.from(block(100)))
  })

  it("writes the client preface, which is no frame", () => {
    const writer = new FrameWriter()
    writer.preface()
    expect(Buffer.from(bytesOf(writer.take())).toString("latin1")).toBe("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    expect(CLIENT_PREFACE.length).toBe(24)
  })
})

/** A raw frame: header fields as given, whatever the payload length. */
const raw = (
  type: number,
  flags: number,
  streamId: number,
  payload: ReadonlyArray<number> | Uint8Array,
  length?: number
): Uint8Array => {
  const out = new Uint8Array(9 + payload.length)
  writeFrameHeader(out, 0, length ?? payload.length, type, flags, streamId)
  out.set(payload, 9)
  return out
}

const { PROTOCOL_ERROR, FRAME_SIZE_ERROR, FLOW_CONTROL_ERROR } = ErrorCode

describe("malformed frames", () => {
  const connection: ReadonlyArray<readonly [string, Uint8Array, number, string]> = [
    ["DATA on stream 0", raw(FrameType.DATA, 0, 0, [1]), PROTOCOL_ERROR, "StreamZero"],
    ["HEADERS on stream 0", raw(FrameType.HEADERS, 4, 0, [0x82]), PROTOCOL_ERROR, "StreamZero"],
    ["PRIORITY on stream 0", raw(FrameType.PRIORITY, 0, 0, [0, 0, 0, 1, 1]), PROTOCOL_ERROR, "StreamZero"],
    ["RST_STREAM on stream 0", raw(FrameType.RST_STREAM, 0, 0, [0, 0, 0, 8]), PROTOCOL_ERROR, "StreamZero"],
    [
      "PUSH_PROMISE on stream 0",
      raw(FrameType.PUSH_PROMISE, 4, 0, [0, 0, 0, 2]),
      PROTOCOL_ERROR,
      "StreamZero"
    ],
    ["CONTINUATION on stream 0", raw(FrameType.CONTINUATION, 4, 0, []), PROTOCOL_ERROR, "StreamZero"],
    ["SETTINGS on a stream", raw(FrameType.SETTINGS, 0, 1, []), PROTOCOL_ERROR, "NonZeroStream"],
    ["PING on a stream", raw(FrameType.PING, 0, 1, new Uint8Array(8)), PROTOCOL_ERROR, "NonZeroStream"],
    ["GOAWAY on a stream", raw(FrameType.GOAWAY, 0, 3, new Uint8Array(8)), PROTOCOL_ERROR, "NonZeroStream"],
    ["RST_STREAM of 3 bytes", raw(FrameType.RST_STREAM, 0, 1, [0, 0, 8]), FRAME_SIZE_ERROR, "BadFrameLength"],
    [
      "RST_STREAM of 5 bytes",
      raw(FrameType.RST_STREAM, 0, 1, [0, 0, 0, 8, 0]),
      FRAME_SIZE_ERROR,
      "BadFrameLength"
    ],
    [
      "SETTINGS of 5 bytes",
      raw(FrameType.SETTINGS, 0, 0, [0, 1, 0, 0, 0]),
      FRAME_SIZE_ERROR,
      "BadFrameLength"
    ],
    [
      "SETTINGS ACK with a payload",
      raw(FrameType.SETTINGS, 1, 0, [0, 1, 0, 0, 0, 0]),
      FRAME_SIZE_ERROR,
      "BadFrameLength"
    ],
    ["PING of 7 bytes", raw(FrameType.PING, 0, 0, new Uint8Array(7)), FRAME_SIZE_ERROR, "BadFrameLength"],
    ["GOAWAY of 7 bytes", raw(FrameType.GOAWAY, 0, 0, new Uint8Array(7)), FRAME_SIZE_ERROR, "BadFrameLength"],
    [
      "WINDOW_UPDATE of 3 bytes",
      raw(FrameType.WINDOW_UPDATE, 0, 0, [0, 0, 1]),
      FRAME_SIZE_ERROR,
      "BadFrameLength"
    ],
    [
      "PUSH_PROMISE of 3 bytes",
      raw(FrameType.PUSH_PROMISE, 4, 1, [0, 0, 2]),
      FRAME_SIZE_ERROR,
      "BadFrameLength"
    ],
    [
      "HEADERS too short for its priority",
      raw(FrameType.HEADERS, 0x24, 1, [0, 0, 0]),
      FRAME_SIZE_ERROR,
      "BadFrameLength"
    ],
    ["padded DATA without a pad length", raw(FrameType.DATA, 8, 1, []), FRAME_SIZE_ERROR, "BadFrameLength"],
    [
      "DATA padding as long as the payload",
      raw(FrameType.DATA, 8, 1, [3, 0, 0]),
      PROTOCOL_ERROR,
      "BadPadding"
    ],
    [
      "DATA padding longer than the payload",
      raw(FrameType.DATA, 8, 1, [200, 0, 0]),
      PROTOCOL_ERROR,
      "BadPadding"
    ],
    [
      "HEADERS padding over its fields",
      raw(FrameType.HEADERS, 0x2c, 1, [2, 0, 0, 0, 0, 16, 0]),
      PROTOCOL_ERROR,
      "BadPadding"
    ],
    [
      "PUSH_PROMISE padding over the promised id",
      raw(FrameType.PUSH_PROMISE, 0xc, 1, [2, 0, 0, 0, 2]),
      PROTOCOL_ERROR,
      "BadPadding"
    ],
    [
      "WINDOW_UPDATE of 0 on the connection",
      raw(FrameType.WINDOW_UPDATE, 0, 0, [0, 0, 0, 0]),
      PROTOCOL_ERROR,
      "ZeroWindowIncrement"
    ],
    [
      "SETTINGS_ENABLE_PUSH of 2",
      raw(FrameType.SETTINGS, 0, 0, [0, 2, 0, 0, 0, 2]),
      PROTOCOL_ERROR,
      "BadSetting"
    ],
    [
      "SETTINGS_INITIAL_WINDOW_SIZE over 2^31-1",
      raw(FrameType.SETTINGS, 0, 0, [0, 4, 0x80, 0, 0, 0]),
      FLOW_CONTROL_ERROR,
      "BadSetting"
    ],
    [
      "SETTINGS_MAX_FRAME_SIZE under 16384",
      raw(FrameType.SETTINGS, 0, 0, [0, 5, 0, 0, 0x3f, 0xff]),
      PROTOCOL_ERROR,
      "BadSetting"
    ],
    [
      "SETTINGS_MAX_FRAME_SIZE over 2^24-1",
      raw(FrameType.SETTINGS, 0, 0, [0, 5, 1, 0, 0, 0]),
      PROTOCOL_ERROR,
      "BadSetting"
    ],
    [
      "DATA over SETTINGS_MAX_FRAME_SIZE",
      raw(FrameType.DATA, 0, 1, [], 16_385),
      FRAME_SIZE_ERROR,
      "FrameTooLarge"
    ],
    [
      "unknown type over SETTINGS_MAX_FRAME_SIZE",
      raw(0x42, 0, 0, [], 16_385),
      FRAME_SIZE_ERROR,
      "FrameTooLarge"
    ]
  ]
  for (const [name, input, code, reason] of connection) {
    it(`${name}: connection error ${reason}`, () => {
      for (let cut = 0; cut <= input.length; cut++) {
        expect(read(input, [cut]).at(-1)).toEqual({ connectionError: { code, reason } })
      }
    })
  }

  it("fails an oversize frame from its header, before its payload arrives", () => {
    const header = raw(FrameType.HEADERS, 0, 1, [], 1 << 20)
    expect(read(header)).toEqual([{ connectionError: { code: FRAME_SIZE_ERROR, reason: "FrameTooLarge" } }])
  })

  it("accepts frames up to a raised SETTINGS_MAX_FRAME_SIZE", () => {
    const input = raw(FrameType.DATA, 0, 1, new Uint8Array(20_000))
    expect(read(input, [5000], 20_000)).toMatchObject([{ frame: { _tag: "Data", flowLength: 20_000 } }])
  })

  const stream: ReadonlyArray<readonly [string, Uint8Array, number, string]> = [
    ["PRIORITY of 4 bytes", raw(FrameType.PRIORITY, 0, 3, [0, 0, 0, 1]), FRAME_SIZE_ERROR, "BadFrameLength"],
    ["PRIORITY on itself", raw(FrameType.PRIORITY, 0, 3, [0, 0, 0, 3, 16]), PROTOCOL_ERROR, "SelfDependency"],
    [
      "WINDOW_UPDATE of 0 on a stream",
      raw(FrameType.WINDOW_UPDATE, 0, 3, [0, 0, 0, 0]),
      PROTOCOL_ERROR,
      "ZeroWindowIncrement"
    ]
  ]
  for (const [name, input, code, reason] of stream) {
    it(`${name}: stream error ${reason}, and reading goes on`, () => {
      const ping = raw(FrameType.PING, 0, 0, new Uint8Array(8))
      const events = read(bytesOf([input, ping]), [4])
      expect(events).toEqual([
        { streamError: { code, reason, streamId: 3 } },
        { frame: expect.objectContaining({ _tag: "Ping" }) }
      ])
    })
  }

  it("skips frames of unknown types, whatever their flags and stream, split anywhere", () => {
    const input = bytesOf([
      raw(0x0a, 0xff, 0, block(30)),
      raw(0xff, 0, 7, []),
      raw(FrameType.PING, 0, 0, block(8)),
      raw(0x42, 0, 3, block(100))
    ])
    for (let cut = 0; cut <= input.length; cut++) {
      expect(read(input, [cut])).toEqual([
        { frame: { _tag: "Ping", ack: false, data: Buffer.from(block(8)).toString("hex") } }
      ])
    }
  })

  it("ignores the reserved bit of stream identifiers and increments", () => {
    const rst = raw(FrameType.RST_STREAM, 0, 1, [0, 0, 0, 8])
    rst[5]! |= 0x80
    const input = bytesOf([raw(FrameType.WINDOW_UPDATE, 0, 0, [0x80, 0, 0, 5]), rst])
    expect(read(input)).toEqual([
      { frame: { _tag: "WindowUpdate", streamId: 0, increment: 5 } },
      { frame: { _tag: "RstStream", streamId: 1, errorCode: 8 } }
    ])
  })

  it("stays dead after a connection error", () => {
    const reader = new FrameReader({ onFrame: () => undefined, onStreamError: () => undefined })
    const error = reader.feed(raw(FrameType.DATA, 0, 0, [1]))
    expect(error?.reason).toBe("StreamZero")
    expect(reader.feed(raw(FrameType.PING, 0, 0, new Uint8Array(8)))).toBe(error)
  })
})
