import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  SettingId
} from "../../../../src/internal/h2/codec/frame.js"
import { HpackEncoder } from "../../../../src/internal/h2/codec/hpack-encoder.js"
import { PeerSettings } from "../../../../src/internal/h2/codec/peer-settings.js"
import { Stream } from "../../../../src/internal/h2/codec/stream-state.js"

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")

describe("PeerSettings", () => {
  it("starts from the protocol's initial values", () => {
    const peer = new PeerSettings()
    expect(peer.maxConcurrentStreams).toBe(Number.POSITIVE_INFINITY)
    expect(peer.initialWindowSize).toBe(DEFAULT_WINDOW_SIZE)
    expect(peer.maxFrameSize).toBe(DEFAULT_MAX_FRAME_SIZE)
    expect(peer.maxHeaderListSize).toBe(Number.POSITIVE_INFINITY)
  })

  it("applies each value, the last of a repeated one winning, and ignores unknown ones", () => {
    const peer = new PeerSettings()
    const grown: Array<number> = []
    const result = peer.apply(
      [
        { id: SettingId.MAX_CONCURRENT_STREAMS, value: 10 },
        { id: SettingId.MAX_CONCURRENT_STREAMS, value: 100 },
        { id: SettingId.MAX_FRAME_SIZE, value: 20_000 },
        { id: SettingId.MAX_HEADER_LIST_SIZE, value: 8000 },
        { id: SettingId.ENABLE_PUSH, value: 0 },
        { id: 0x99, value: 7 }
      ],
      new HpackEncoder(),
      [],
      grown
    )
    expect(result).toBeUndefined()
    expect(peer).toMatchObject({
      maxConcurrentStreams: 100,
      maxFrameSize: 20_000,
      maxHeaderListSize: 8000,
      initialWindowSize: DEFAULT_WINDOW_SIZE
    })
    expect(grown).toEqual([])
  })

  it("hands the header table size to the encoder", () => {
    const encoder = new HpackEncoder()
    new PeerSettings().apply([{ id: SettingId.HEADER_TABLE_SIZE, value: 100 }], encoder, [], [])
    // A size update to 100 opens the next block.
    expect(toHex(encoder.encode([":method", "GET"]))).toBe("3f4582")
  })

  it("refuses SETTINGS_ENABLE_PUSH other than 0 from a server, and stops there", () => {
    const peer = new PeerSettings()
    const error = peer.apply(
      [
        { id: SettingId.ENABLE_PUSH, value: 1 },
        { id: SettingId.MAX_FRAME_SIZE, value: 20_000 }
      ],
      new HpackEncoder(),
      [],
      []
    )
    expect(error).toMatchObject({ code: ErrorCode.PROTOCOL_ERROR, reason: "BadSetting" })
    expect(peer.maxFrameSize).toBe(DEFAULT_MAX_FRAME_SIZE)
  })

  it("moves every stream's send window by the change of the initial window size", () => {
    const peer = new PeerSettings()
    const streams = [new Stream(1, false, 1000, 65_535), new Stream(3, false, -10, 65_535)]
    const grown: Array<number> = []
    expect(
      peer.apply([{ id: SettingId.INITIAL_WINDOW_SIZE, value: 70_000 }], new HpackEncoder(), streams, grown)
    ).toBeUndefined()
    expect(peer.initialWindowSize).toBe(70_000)
    expect(streams.map((s) => s.sendWindow)).toEqual([1000 + 4465, -10 + 4465])
    expect(grown).toEqual([1, 3])
    // A shrink moves them down, past zero, and grows none.
    const shrunk: Array<number> = []
    peer.apply([{ id: SettingId.INITIAL_WINDOW_SIZE, value: 0 }], new HpackEncoder(), streams, shrunk)
    expect(streams.map((s) => s.sendWindow)).toEqual([1000 - 65_535, -10 - 65_535])
    expect(shrunk).toEqual([])
    // No change grows none either.
    const same: Array<number> = []
    peer.apply([{ id: SettingId.INITIAL_WINDOW_SIZE, value: 0 }], new HpackEncoder(), streams, same)
    expect(same).toEqual([])
  })

  it("refuses a change that would take a stream's window over 2^31 - 1", () => {
    const peer = new PeerSettings()
    const streams = [new Stream(5, false, 2 ** 31 - 1 - 100, 65_535)]
    const error = peer.apply(
      [{ id: SettingId.INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW_SIZE + 101 }],
      new HpackEncoder(),
      streams,
      []
    )
    expect(error).toMatchObject({ code: ErrorCode.FLOW_CONTROL_ERROR, reason: "WindowOverflow" })
    expect(error?.detail).toBe("stream 5 window over 2^31-1")
    const ok = [new Stream(5, false, 2 ** 31 - 1 - 100, 65_535)]
    expect(
      new PeerSettings().apply(
        [{ id: SettingId.INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW_SIZE + 100 }],
        new HpackEncoder(),
        ok,
        []
      )
    ).toBeUndefined()
    expect(ok[0]!.sendWindow).toBe(2 ** 31 - 1)
  })
})
