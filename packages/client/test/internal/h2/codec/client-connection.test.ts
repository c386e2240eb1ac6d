import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ClientConnection } from "../../../../src/internal/h2/codec/client-connection.js"
import type { ConnectionEvent } from "../../../../src/internal/h2/codec/connection-events.js"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { H2StreamRefused } from "../../../../src/internal/h2/codec/errors.js"
import { type Frame, FrameType, SettingId } from "../../../../src/internal/h2/codec/frame.js"
import { writeFrameHeader } from "../../../../src/internal/h2/codec/frame-writer.js"
import { concat, connected, GET, Server, tags } from "./support.js"

const { PROTOCOL_ERROR, FLOW_CONTROL_ERROR, ENHANCE_YOUR_CALM, REFUSED_STREAM, CANCEL, STREAM_CLOSED } =
  ErrorCode

const open = (client: ClientConnection, endStream = true): number => {
  const id = client.request(GET, endStream)
  if (typeof id !== "number") throw id
  return id
}

const raw = (type: number, flags: number, streamId: number, payload: ReadonlyArray<number>): Uint8Array => {
  const out = new Uint8Array(9 + payload.length)
  writeFrameHeader(out, 0, payload.length, type, flags, streamId)
  out.set(payload, 9)
  return out
}

const goAwayOf = (frames: ReadonlyArray<Frame>) => frames.find((f) => f._tag === "GoAway")

describe("connection start", () => {
  it("sends the preface, SETTINGS with push disabled, and opens the connection window", () => {
    const { opening } = connected()
    expect(opening).toEqual([
      {
        _tag: "Settings",
        ack: false,
        settings: [
          { id: SettingId.ENABLE_PUSH, value: 0 },
          { id: SettingId.INITIAL_WINDOW_SIZE, value: 262_144 },
          { id: SettingId.MAX_HEADER_LIST_SIZE, value: 65_536 }
        ]
      },
      { _tag: "WindowUpdate", streamId: 0, increment: 1_048_576 - 65_535 }
    ])
  })

  it("requires the server's first frame to be SETTINGS", () => {
    const client = new ClientConnection()
    client.start()
    const error = client.receive(raw(FrameType.PING, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]))
    expect(error).toMatchObject({ code: PROTOCOL_ERROR, reason: "MissingServerPreface" })
  })
})

describe("SETTINGS", () => {
  it("acknowledges the server's SETTINGS and applies them", () => {
    const client = new ClientConnection()
    const server = new Server()
    client.start()
    server.read(client.takeOutput())
    server.settings([
      { id: SettingId.MAX_CONCURRENT_STREAMS, value: 1 },
      { id: SettingId.MAX_FRAME_SIZE, value: 20_000 }
    ])
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(server.read(client.takeOutput())).toEqual([{ _tag: "Settings", ack: true, settings: [] }])
    expect(tags(client.takeEvents())).toEqual(["Settings"])
    open(client)
    expect(client.canOpenStream).toBe(false)
    expect(client.request(GET, true)).toMatchObject({
      _tag: "H2StreamRefused",
      reason: "MaxConcurrentStreams"
    })
  })

  it("reports the server's ACK of ours, and rejects an ACK nobody asked for", () => {
    const { client, server } = connected()
    expect(client.settingsAckPending).toBe(true)
    server.writer.settingsAck()
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(tags(client.takeEvents())).toEqual(["SettingsAck"])
    expect(client.settingsAckPending).toBe(false)
    server.writer.settingsAck()
    expect(client.receive(server.bytes())).toMatchObject({
      code: PROTOCOL_ERROR,
      reason: "UnexpectedSettingsAck"
    })
    expect(goAwayOf(server.read(client.takeOutput()))).toMatchObject({ errorCode: PROTOCOL_ERROR })
  })

  it("accepts frames up to a raised SETTINGS_MAX_FRAME_SIZE before the server's ACK", () => {
    const { client, server } = connected({ maxFrameSize: 32_768 })
    const id = open(client)
    server.headers(id, [":status", "200"], false).data(id, 30_000, true)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents().at(-1)).toMatchObject({ _tag: "Data", endStream: true })
  })

  it("rejects SETTINGS_ENABLE_PUSH = 1 from a server", () => {
    const client = new ClientConnection()
    client.start()
    const server = new Server()
    server.settings([{ id: SettingId.ENABLE_PUSH, value: 1 }])
    expect(client.receive(server.bytes())).toMatchObject({ code: PROTOCOL_ERROR, reason: "BadSetting" })
  })

  it("moves open streams' send windows with SETTINGS_INITIAL_WINDOW_SIZE, and fails past 2^31-1", () => {
    const { client, server } = connected()
    const id = open(client, false)
    server.settings([{ id: SettingId.INITIAL_WINDOW_SIZE, value: 100 }])
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.sendWindowOf(id)).toBe(100)
    server.writer.windowUpdate(id, 2 ** 31 - 1 - 100)
    server.settings([{ id: SettingId.INITIAL_WINDOW_SIZE, value: 101 }])
    expect(client.receive(server.bytes())).toMatchObject({
      code: FLOW_CONTROL_ERROR,
      reason: "WindowOverflow"
    })
  })
})

describe("a request and its response", () => {
  it("sends HEADERS the server decodes, and reports head, body and end", () => {
    const { client, server } = connected()
    const id = open(client)
    const [headers] = server.read(client.takeOutput())
    expect(headers).toMatchObject({ _tag: "Headers", streamId: 1, endStream: true, endHeaders: true })
    expect(server.headersOf(headers!)).toEqual(GET)
    server.headers(id, [":status", "200", "content-type", "text/plain"], false).data(id, 5, true)
    expect(client.receive(server.bytes())).toBeUndefined()
    const events = client.takeEvents()
    expect(events).toMatchObject([
      { _tag: "Headers", streamId: 1, kind: "final", status: 200, endStream: false },
      { _tag: "Data", streamId: 1, endStream: true }
    ])
    expect(client.activeStreams).toBe(0)
  })

  it("gives the same events whatever the split of the server's bytes", () => {
    const script = (): { client: ClientConnection; input: Uint8Array } => {
      const { client, server } = connected()
      const id = open(client)
      server
        .headers(id, [":status", "103", "link", "</a.css>; rel=preload"], false)
        .headers(id, [":status", "200", "x-long", "v".repeat(40_000)], false, 16_384)
        .data(id, 100, false, 9)
      server.writer.ping(new Uint8Array(8).fill(7), false)
      server.headers(id, ["grpc-status", "0"], true)
      return { client, input: server.bytes() }
    }
    const run = (cuts: ReadonlyArray<number>): Array<unknown> => {
      const { client, input } = script()
      let at = 0
      for (const cut of [...[...cuts].sort((a, b) => a - b), input.length]) {
        expect(client.receive(input.subarray(at, cut))).toBeUndefined()
        at = cut
      }
      return client.takeEvents().map(plain)
    }
    const whole = run([])
    expect(
      whole.map((e) => (e as { _tag: string; kind?: string }).kind ?? (e as { _tag: string })._tag)
    ).toEqual(["interim", "final", "Data", "Ping", "trailers"])
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40_300 }), { maxLength: 12 }), (cuts) => {
        expect(run(cuts)).toEqual(whole)
      }),
      { numRuns: 100 }
    )
  })

  it("sends DATA within the send windows and the peer's frame size", () => {
    const { client, server } = connected()
    const id = open(client, false)
    client.takeOutput()
    expect(client.sendData(id, new Uint8Array(70_000), true)).toBe(65_535)
    const frames = server.read(client.takeOutput())
    expect(frames.map((f) => (f._tag === "Data" ? f.data.length : -1))).toEqual([
      16_384, 16_384, 16_384, 16_383
    ])
    expect(client.sendWindowOf(id)).toBe(0)
    server.writer.windowUpdate(0, 10_000)
    server.writer.windowUpdate(id, 10_000)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(tags(client.takeEvents())).toEqual(["WindowUpdate", "WindowUpdate"])
    expect(client.sendData(id, new Uint8Array(4465), true)).toBe(4465)
    expect(server.read(client.takeOutput())).toMatchObject([{ _tag: "Data", endStream: true }])
    expect(client.sendData(id, new Uint8Array(1), false)).toBeInstanceOf(H2StreamRefused)
  })
})

describe("request checks", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["no :method", [":path", "/"]],
    ["an upper-case name", [...GET, "Accept", "*/*"]],
    ["a connection-specific field", [...GET, "connection", "keep-alive"]],
    ["a pseudo-header after a field", ["accept", "*/*", ...GET]],
    ["a response pseudo-header", [...GET.slice(0, 2), ":status", "200"]],
    ["a repeated pseudo-header", [...GET, ...GET.slice(0, 2)]],
    ["a value with CR LF", [...GET, "x-a", "1\r\nx-b: 2"]],
    ["te other than trailers", [...GET, "te", "gzip"]]
  ]
  for (const [name, headers] of cases) {
    it(`refuses a request head with ${name}, and sends nothing`, () => {
      const { client } = connected()
      expect(client.request(headers, true)).toMatchObject({
        _tag: "H2StreamRefused",
        reason: "InvalidHeaders"
      })
      expect(client.takeOutput()).toEqual([])
      expect(client.activeStreams).toBe(0)
    })
  }

  it("refuses trailers with a pseudo-header", () => {
    const { client, server } = connected()
    const id = open(client, false)
    expect(client.sendTrailers(id, [":path", "/"])).toMatchObject({ reason: "InvalidHeaders" })
    expect(client.sendTrailers(id, ["x-checksum", "abc"])).toBeUndefined()
    const frames = server.read(client.takeOutput())
    expect(frames.at(-1)).toMatchObject({ _tag: "Headers", streamId: id, endStream: true })
  })
})

describe("receive flow control", () => {
  const small = { initialWindowSize: 65_535, connectionWindowSize: 65_535 }

  it("batches WINDOW_UPDATEs: one once half the window is consumed, not one per DATA frame", () => {
    const { client, server } = connected(small)
    const id = open(client)
    client.takeOutput()
    server.headers(id, [":status", "200"], false)
    for (let i = 0; i < 10; i++) server.data(id, 3000, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    for (const event of client.takeEvents()) if (event._tag === "Data") client.consume(id, event.data.length)
    expect(server.read(client.takeOutput())).toEqual([])
    server.data(id, 3000, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    client.consume(id, 3000)
    expect(server.read(client.takeOutput())).toEqual([
      { _tag: "WindowUpdate", streamId: 0, increment: 33_000 },
      { _tag: "WindowUpdate", streamId: id, increment: 33_000 }
    ])
  })

  it("gives padding back at once, since the application never sees it", () => {
    const { client, server } = connected(small)
    const id = open(client)
    client.takeOutput()
    server.headers(id, [":status", "200"], false).data(id, 10, false, 255)
    for (let i = 0; i < 130; i++) server.data(id, 0, false, 255)
    expect(client.receive(server.bytes(), 0)).toBeUndefined()
    const updates = server.read(client.takeOutput()).filter((f) => f._tag === "WindowUpdate")
    expect(updates.length).toBeGreaterThanOrEqual(2)
    expect(updates.length).toBeLessThanOrEqual(6)
  })

  it("fails the connection when DATA overflows the connection window", () => {
    const { client, server } = connected(small)
    const id = open(client)
    server.headers(id, [":status", "200"], false)
    for (let i = 0; i < 4; i++) server.data(id, 16_384, false)
    expect(client.receive(server.bytes())).toMatchObject({
      code: FLOW_CONTROL_ERROR,
      reason: "ConnectionWindowExceeded"
    })
  })

  it("resets a stream whose DATA overflows its window", () => {
    const { client, server } = connected({ initialWindowSize: 1000 })
    const id = open(client)
    client.takeOutput()
    server.headers(id, [":status", "200"], false).data(id, 1001, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents().at(-1)).toMatchObject({
      _tag: "StreamReset",
      by: "local",
      errorCode: FLOW_CONTROL_ERROR
    })
    expect(server.read(client.takeOutput())).toContainEqual({
      _tag: "RstStream",
      streamId: id,
      errorCode: FLOW_CONTROL_ERROR
    })
  })
})

describe("send window overflow", () => {
  it("is a connection error on the connection window", () => {
    const { client, server } = connected()
    server.writer.windowUpdate(0, 2 ** 31 - 1)
    expect(client.receive(server.bytes())).toMatchObject({
      code: FLOW_CONTROL_ERROR,
      reason: "WindowOverflow"
    })
    expect(goAwayOf(server.read(client.takeOutput()))).toMatchObject({ errorCode: FLOW_CONTROL_ERROR })
  })

  it("is a stream error on a stream window", () => {
    const { client, server } = connected()
    const id = open(client, false)
    client.takeOutput()
    server.writer.windowUpdate(id, 2 ** 31 - 65_535)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(server.read(client.takeOutput())).toEqual([
      { _tag: "RstStream", streamId: id, errorCode: FLOW_CONTROL_ERROR }
    ])
  })
})

describe("PING", () => {
  it("answers a PING with an ACK carrying the same data", () => {
    const { client, server } = connected()
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])
    server.writer.ping(data, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(server.read(client.takeOutput())).toEqual([{ _tag: "Ping", ack: true, data }])
    expect(client.takeEvents()).toEqual([{ _tag: "Ping", ack: false, data }])
  })
})

describe("flood limits", () => {
  const flood = (write: (server: Server, i: number) => void, count: number, spacing: number) => {
    const { client, server } = connected({
      flood: { windowMillis: 1000, settings: 10, pings: 10, resets: 10, emptyData: 10 }
    })
    for (let i = 0; i < 20; i++) open(client, false)
    let error
    for (let i = 0; i < count && error === undefined; i++) {
      write(server, i)
      error = client.receive(server.bytes(), i * spacing)
      client.takeOutput()
    }
    return error
  }

  it("stops a PING flood with ENHANCE_YOUR_CALM", () => {
    const ping = (s: Server) => s.writer.ping(new Uint8Array(8), false)
    expect(flood(ping, 11, 0)).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "PingFlood" })
    expect(flood(ping, 100, 150)).toBeUndefined()
  })

  it("stops a SETTINGS flood with ENHANCE_YOUR_CALM", () => {
    const settings = (s: Server) => s.settings([])
    expect(flood(settings, 11, 0)).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "SettingsFlood" })
    // The server's first SETTINGS, at 0, counts in the first window too.
    expect(flood(settings, 100, 150)).toBeUndefined()
  })

  it("stops a RST_STREAM flood with ENHANCE_YOUR_CALM", () => {
    const reset = (s: Server, i: number) => s.writer.rstStream(2 * i + 1, CANCEL)
    expect(flood(reset, 11, 0)).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "ResetFlood" })
  })

  it("stops a flood of empty DATA frames with ENHANCE_YOUR_CALM", () => {
    const empty = (s: Server, i: number) => {
      if (i === 0) s.headers(1, [":status", "200"], false)
      s.data(1, 0, false)
    }
    expect(flood(empty, 11, 0)).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "EmptyDataFlood" })
  })

  it("stops a peer that asks for ACKs faster than they are written", () => {
    const { client, server } = connected({ maxQueuedAnswers: 5, flood: { pings: 100 } })
    for (let i = 0; i < 6; i++) server.writer.ping(new Uint8Array(8), false)
    expect(client.receive(server.bytes())).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "AnswerBacklog" })
  })

  it("resets a stream after too many interim responses", () => {
    const { client, server } = connected({ maxInterimResponses: 3 })
    const id = open(client)
    client.takeOutput()
    for (let i = 0; i < 4; i++) server.headers(id, [":status", "100"], false)
    expect(client.receive(server.bytes())).toBeUndefined()
    const events = client.takeEvents()
    expect(tags(events)).toEqual(["Headers", "Headers", "Headers", "StreamReset"])
    expect(events.at(-1)).toMatchObject({ errorCode: ENHANCE_YOUR_CALM, error: { reason: "InterimFlood" } })
    expect(server.read(client.takeOutput())).toEqual([
      { _tag: "RstStream", streamId: id, errorCode: ENHANCE_YOUR_CALM }
    ])
  })
})

describe("CONTINUATION", () => {
  it("reassembles a field block split over CONTINUATION frames", () => {
    const { client, server } = connected()
    const id = open(client)
    server.headers(id, [":status", "200", "x-big", "b".repeat(3000)], true, 100)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toMatchObject([
      { _tag: "Headers", status: 200, headers: [":status", "200", "x-big", "b".repeat(3000)] }
    ])
  })

  it("caps the total size of a field block", () => {
    const { client, server } = connected({ maxHeaderBlockSize: 1000, maxContinuationFrames: 1000 })
    const id = open(client)
    server.headers(id, [":status", "200", "x-big", "b".repeat(3000)], true, 100)
    expect(client.receive(server.bytes())).toMatchObject({
      code: ENHANCE_YOUR_CALM,
      reason: "HeaderBlockTooLarge"
    })
  })

  it("caps the number of CONTINUATION frames, even empty ones", () => {
    const { client } = connected({ maxContinuationFrames: 4 })
    const id = open(client)
    const empty = raw(FrameType.CONTINUATION, 0, id, [])
    const input = concat([raw(FrameType.HEADERS, 0, id, []), empty, empty, empty, empty, empty])
    expect(client.receive(input)).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "ContinuationFlood" })
  })

  it("rejects any other frame in the middle of a field block", () => {
    const { client } = connected()
    const id = open(client)
    const input = concat([
      raw(FrameType.HEADERS, 0, id, [0x88]),
      raw(FrameType.PING, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0])
    ])
    expect(client.receive(input)).toMatchObject({ code: PROTOCOL_ERROR, reason: "InterruptedHeaderBlock" })
  })

  it("rejects a CONTINUATION with no block open", () => {
    const { client } = connected()
    const id = open(client)
    expect(client.receive(raw(FrameType.CONTINUATION, 4, id, [0x88]))).toMatchObject({
      code: PROTOCOL_ERROR,
      reason: "UnexpectedContinuation"
    })
  })
})

describe("GOAWAY and RST_STREAM", () => {
  it("refuses the streams above the GOAWAY's last stream id, and opens no more", () => {
    const { client, server } = connected()
    const ids = [open(client), open(client), open(client)]
    server.writer.goAway(ids[0]!, ErrorCode.NO_ERROR)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toMatchObject([
      { _tag: "StreamReset", streamId: ids[1], errorCode: REFUSED_STREAM, by: "goaway" },
      { _tag: "StreamReset", streamId: ids[2], errorCode: REFUSED_STREAM, by: "goaway" },
      { _tag: "GoAway", lastStreamId: ids[0], errorCode: ErrorCode.NO_ERROR }
    ])
    expect(client.activeStreams).toBe(1)
    expect(client.request(GET, true)).toMatchObject({ reason: "GoAway" })
    server.writer.goAway(ids[2]!, ErrorCode.NO_ERROR)
    expect(client.receive(server.bytes())).toMatchObject({ code: PROTOCOL_ERROR, reason: "GoAwayIncreased" })
  })

  it("reports a stream the server reset", () => {
    const { client, server } = connected()
    const id = open(client)
    client.takeOutput()
    server.writer.rstStream(id, ErrorCode.INTERNAL_ERROR)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toEqual([
      { _tag: "StreamReset", streamId: id, errorCode: ErrorCode.INTERNAL_ERROR, by: "peer", error: undefined }
    ])
    server.data(id, 10, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(server.read(client.takeOutput())).toEqual([
      { _tag: "RstStream", streamId: id, errorCode: STREAM_CLOSED }
    ])
  })

  it("ignores frames on a stream it reset, but still counts and returns their window", () => {
    const { client, server } = connected({ connectionWindowSize: 65_535 })
    const id = open(client)
    client.reset(id)
    expect(server.read(client.takeOutput()).at(-1)).toEqual({
      _tag: "RstStream",
      streamId: id,
      errorCode: CANCEL
    })
    server.headers(id, [":status", "200"], false)
    for (let i = 0; i < 3; i++) server.data(id, 16_000, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toEqual([])
    expect(server.read(client.takeOutput())).toEqual([
      { _tag: "WindowUpdate", streamId: 0, increment: 48_000 }
    ])
  })

  it("treats frames on streams never opened as PROTOCOL_ERROR", () => {
    const cases: ReadonlyArray<readonly [string, Uint8Array]> = [
      ["HEADERS", raw(FrameType.HEADERS, 5, 1, [0x88])],
      ["DATA", raw(FrameType.DATA, 0, 3, [1])],
      ["RST_STREAM", raw(FrameType.RST_STREAM, 0, 2, [0, 0, 0, 8])],
      ["WINDOW_UPDATE", raw(FrameType.WINDOW_UPDATE, 0, 7, [0, 0, 0, 1])]
    ]
    for (const [, input] of cases) {
      const { client } = connected()
      expect(client.receive(input)).toMatchObject({ code: PROTOCOL_ERROR, reason: "FrameOnIdleStream" })
    }
  })

  it("rejects PUSH_PROMISE, since push is disabled", () => {
    const { client, server } = connected()
    const id = open(client)
    server.writer.pushPromise(id, 2, server.encoder.encode(GET), 16_384)
    expect(client.receive(server.bytes())).toMatchObject({ code: PROTOCOL_ERROR, reason: "PushDisabled" })
  })
})

describe("stream states", () => {
  it("treats DATA after the response's END_STREAM as a STREAM_CLOSED connection error", () => {
    const { client, server } = connected()
    const id = open(client)
    server.headers(id, [":status", "204"], true).data(id, 1, false)
    expect(client.receive(server.bytes())).toMatchObject({
      code: STREAM_CLOSED,
      reason: "FrameOnClosedStream"
    })
  })

  it("resets a stream that gets DATA before its response head", () => {
    const { client, server } = connected()
    const id = open(client)
    client.takeOutput()
    server.data(id, 1, false)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toMatchObject([
      { _tag: "StreamReset", error: { reason: "DataBeforeHeaders" } }
    ])
  })

  it("resets a stream whose trailers lack END_STREAM", () => {
    const { client, server } = connected()
    const id = open(client)
    server.headers(id, [":status", "200"], false).headers(id, ["x-trailer", "1"], false)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toMatchObject([
      { _tag: "Headers", kind: "final" },
      { _tag: "StreamReset", error: { reason: "TrailersWithoutEndStream" } }
    ])
  })

  it("keeps receiving on a stream after its request ended, and closes it at the response's end", () => {
    const { client, server } = connected()
    const id = open(client, false)
    expect(client.sendData(id, new Uint8Array(3), true)).toBe(3)
    expect(client.activeStreams).toBe(1)
    server.headers(id, [":status", "200"], true)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.activeStreams).toBe(0)
    expect(client.goingAway).toBe(false)
  })

  it("answers a connection error with a GOAWAY carrying its code, and stays failed", () => {
    const { client, server } = connected()
    const bad = raw(FrameType.DATA, 0, 0, [1])
    const error = client.receive(bad)
    expect(error).toMatchObject({ code: PROTOCOL_ERROR, reason: "StreamZero" })
    expect(goAwayOf(server.read(client.takeOutput()))).toMatchObject({
      lastStreamId: 0,
      errorCode: PROTOCOL_ERROR
    })
    expect(client.receive(server.settings().bytes())).toBe(error)
    expect(client.error).toBe(error)
    expect(client.goingAway).toBe(true)
    expect(client.request(GET, true)).toMatchObject({ reason: "ConnectionClosed" })
  })
})

describe("content-length", () => {
  const respond = (
    method: string,
    status: string,
    contentLength: string,
    body: ReadonlyArray<number>,
    trailers = false
  ) => {
    const { client, server } = connected()
    const id = client.request([":method", method, ...GET.slice(2)], true) as number
    const last = body.length - 1
    server.headers(id, [":status", status, "content-length", contentLength], body.length === 0 && !trailers)
    body.forEach((n, i) => server.data(id, n, i === last && !trailers))
    if (trailers) server.headers(id, ["x-t", "1"], true)
    expect(client.receive(server.bytes())).toBeUndefined()
    return client.takeEvents()
  }
  const reset = (events: ReadonlyArray<ConnectionEvent>) => events.find((e) => e._tag === "StreamReset")

  it("accepts a body of the announced length, in any number of frames", () => {
    expect(reset(respond("GET", "200", "10", [3, 7]))).toBeUndefined()
    expect(reset(respond("GET", "200", "10", [10], true))).toBeUndefined()
    expect(reset(respond("GET", "200", "0", []))).toBeUndefined()
  })

  it("resets a stream whose body is longer or shorter than announced", () => {
    expect(reset(respond("GET", "200", "10", [3, 8]))).toMatchObject({
      error: { reason: "ContentLengthMismatch" }
    })
    expect(reset(respond("GET", "200", "10", [3, 6]))).toMatchObject({
      error: { reason: "ContentLengthMismatch" }
    })
    expect(reset(respond("GET", "200", "10", [9], true))).toMatchObject({
      error: { reason: "ContentLengthMismatch" }
    })
    expect(reset(respond("GET", "200", "10", []))).toMatchObject({
      error: { reason: "ContentLengthMismatch" }
    })
  })

  it("expects no body after HEAD, 204 or 304", () => {
    expect(reset(respond("HEAD", "200", "10", []))).toBeUndefined()
    expect(reset(respond("GET", "304", "10", []))).toBeUndefined()
    expect(reset(respond("GET", "204", "10", []))).toBeUndefined()
  })

  it("resets a stream with an invalid content-length", () => {
    expect(reset(respond("GET", "200", "1x", [1]))).toMatchObject({
      error: { reason: "InvalidContentLength" }
    })
  })
})

describe("malformed responses", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["no :status", ["content-type", "text/plain"]],
    ["a request pseudo-header", [":status", "200", ":path", "/"]],
    ["a pseudo-header after a field", ["server", "x", ":status", "200"]],
    ["an upper-case name", [":status", "200", "Server", "x"]],
    ["a connection-specific field", [":status", "200", "connection", "close"]],
    ["a bad :status", [":status", "20x"]]
  ]
  for (const [name, headers] of cases) {
    it(`resets the stream on ${name}`, () => {
      const { client, server } = connected()
      const id = open(client)
      server.headers(id, [...headers], true)
      expect(client.receive(server.bytes())).toBeUndefined()
      expect(client.takeEvents()).toMatchObject([
        { _tag: "StreamReset", by: "local", errorCode: PROTOCOL_ERROR }
      ])
    })
  }

  it("resets a stream whose header list passes SETTINGS_MAX_HEADER_LIST_SIZE, and keeps HPACK in step", () => {
    const { client, server } = connected({ maxHeaderListSize: 200 })
    const [a, b] = [open(client), open(client)]
    server.headers(a, [":status", "200", "x-big", "b".repeat(300)], true)
    server.headers(b, [":status", "200", "x-big", "b".repeat(300)].slice(0, 2), true)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toMatchObject([
      { _tag: "StreamReset", streamId: a, errorCode: CANCEL, error: { reason: "HeaderListTooLarge" } },
      { _tag: "Headers", streamId: b, status: 200 }
    ])
  })
})

/** An event with byte fields as hex, to compare across runs. */
const plain = (event: ConnectionEvent): unknown =>
  Object.fromEntries(
    Object.entries(event).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v])
  )

describe("robustness", () => {
  const frame = fc
    .tuple(
      fc.integer({ min: 0, max: 11 }),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0, 1, 2, 3, 5, 7, 0x7fffffff),
      fc.uint8Array({ maxLength: 40 })
    )
    .map(([type, flags, streamId, payload]) => {
      const out = new Uint8Array(9 + payload.length)
      writeFrameHeader(out, 0, payload.length, type, flags, streamId)
      out.set(payload, 9)
      return out
    })

  it("never throws on arbitrary frames: every failure is a value", () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 30 }), fc.nat({ max: 3 }), (frames, requests) => {
        const { client } = connected()
        for (let i = 0; i < requests; i++) open(client, i % 2 === 0)
        const result = client.receive(concat(frames))
        if (result !== undefined) {
          expect(result._tag).toBe("H2ConnectionError")
          expect(goAwayOf(new Server(true).read(client.takeOutput()))).toMatchObject({
            errorCode: result.code
          })
        }
        for (const event of client.takeEvents()) expect(typeof event._tag).toBe("string")
      }),
      { numRuns: 2000 }
    )
  })

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const { client } = connected()
        open(client)
        const result = client.receive(bytes)
        if (result !== undefined) expect(result._tag).toBe("H2ConnectionError")
      }),
      { numRuns: 2000 }
    )
  })
})

describe("request edges", () => {
  it("is held by the connection window when the streams' windows are larger", () => {
    const { client, server } = connected(undefined, [{ id: SettingId.INITIAL_WINDOW_SIZE, value: 1_000_000 }])
    const first = open(client, false)
    const second = open(client, false)
    client.takeOutput()
    expect(client.sendData(first, new Uint8Array(40_000), false)).toBe(40_000)
    expect(client.sendData(second, new Uint8Array(40_000), false)).toBe(25_535)
    expect(client.sendData(first, new Uint8Array(1), false)).toBe(0)
    server.read(client.takeOutput())
    server.writer.windowUpdate(0, 100)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.sendData(first, new Uint8Array(1_000), false)).toBe(100)
  })

  it("sets END_STREAM on the last DATA frame only", () => {
    const { client, server } = connected()
    const id = open(client, false)
    client.takeOutput()
    expect(client.sendData(id, new Uint8Array(40_000), true)).toBe(40_000)
    const frames = server.read(client.takeOutput())
    expect(frames.map((f) => (f._tag === "Data" ? f.endStream : undefined))).toEqual([false, false, true])
    const held = open(client, false)
    client.takeOutput()
    expect(client.sendData(held, new Uint8Array(30_000), true)).toBe(25_535)
    const partial = server.read(client.takeOutput())
    expect(partial.every((f) => f._tag === "Data" && !f.endStream)).toBe(true)
  })

  it("ends a stream with an empty DATA frame when the last body chunk is empty", () => {
    const { client, server } = connected()
    const id = open(client, false)
    client.takeOutput()
    expect(client.sendData(id, new Uint8Array(0), true)).toBe(0)
    expect(server.read(client.takeOutput())).toMatchObject([{ _tag: "Data", streamId: id, endStream: true }])
    expect(client.sendData(id, new Uint8Array(1), false)).toBeInstanceOf(H2StreamRefused)
  })

  it("sends a head of exactly the peer's SETTINGS_MAX_HEADER_LIST_SIZE, and refuses one octet more", () => {
    // Each field counts its name, its value and 32 octets (RFC 9113 §6.5.2).
    const size = GET.reduce((n, s, i) => (i % 2 === 0 ? n + s.length + GET[i + 1]!.length + 32 : n), 0)
    const exact = connected(undefined, [{ id: SettingId.MAX_HEADER_LIST_SIZE, value: size }])
    expect(typeof exact.client.request(GET, true)).toBe("number")
    const under = connected(undefined, [{ id: SettingId.MAX_HEADER_LIST_SIZE, value: size - 1 }])
    expect(under.client.request(GET, true)).toMatchObject({
      _tag: "H2StreamRefused",
      reason: "HeaderListTooLarge",
      detail: `${size} octets, over the peer's ${size - 1}`
    })
    expect(under.client.takeOutput()).toEqual([])
  })

  it("takes a HEAD response's content-length as the resource's, not the body's", () => {
    const head = [":method", "HEAD", ...GET.slice(2)]
    for (const [headers, events] of [
      [head, ["Headers"]],
      [GET, ["StreamReset"]]
    ] as const) {
      const { client, server } = connected()
      const id = client.request(headers, true)
      if (typeof id !== "number") throw id
      client.takeOutput()
      server.headers(id, [":status", "200", "content-length", "10"], true)
      client.receive(server.bytes())
      expect(tags(client.takeEvents())).toEqual(events)
    }
  })

  it("starts once: a second start queues nothing", () => {
    const client = new ClientConnection()
    client.start()
    client.takeOutput()
    client.start()
    expect(client.takeOutput()).toEqual([])
  })

  it("announces every setting that differs from the protocol's initial value", () => {
    const { opening } = connected({ headerTableSize: 8192, initialWindowSize: 65_535, maxFrameSize: 32_768 })
    expect(opening[0]).toEqual({
      _tag: "Settings",
      ack: false,
      settings: [
        { id: SettingId.ENABLE_PUSH, value: 0 },
        { id: SettingId.HEADER_TABLE_SIZE, value: 8192 },
        { id: SettingId.MAX_FRAME_SIZE, value: 32_768 },
        { id: SettingId.MAX_HEADER_LIST_SIZE, value: 65_536 }
      ]
    })
  })
})

describe("limits reached on the last frame", () => {
  const big = [":status", "200", "x-big", "b".repeat(3000)]
  // Measured on a fresh encoder, as the server's first block is encoded.
  const blockLength = new Server().encoder.encode(big).length
  const frames = Math.ceil(blockLength / 100)

  it("fails a field block that passes its size limit only with its last CONTINUATION", () => {
    const { client, server } = connected({ maxHeaderBlockSize: blockLength - 1, maxContinuationFrames: 1000 })
    const id = open(client)
    server.headers(id, big, true, 100)
    expect(client.receive(server.bytes())).toMatchObject({
      code: ENHANCE_YOUR_CALM,
      reason: "HeaderBlockTooLarge"
    })
  })

  it("takes a field block of exactly its size limit", () => {
    const { client, server } = connected({ maxHeaderBlockSize: blockLength, maxContinuationFrames: 1000 })
    const id = open(client)
    server.headers(id, big, true, 100)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(tags(client.takeEvents())).toEqual(["Headers"])
  })

  it("fails a field block whose last CONTINUATION is one too many, and takes exactly the limit", () => {
    for (const [limit, fails] of [
      [frames - 2, true],
      [frames - 1, false]
    ] as const) {
      const { client, server } = connected({ maxContinuationFrames: limit })
      const id = open(client)
      server.headers(id, big, true, 100)
      const error = client.receive(server.bytes())
      if (fails) expect(error).toMatchObject({ code: ENHANCE_YOUR_CALM, reason: "ContinuationFlood" })
      else expect(error).toBeUndefined()
    }
  })

  it("takes exactly maxQueuedAnswers unanswered PINGs", () => {
    const { client, server } = connected({ maxQueuedAnswers: 5, flood: { pings: 100 } })
    for (let i = 0; i < 5; i++) server.writer.ping(new Uint8Array(8), false)
    expect(client.receive(server.bytes())).toBeUndefined()
  })
})

describe("frames that only inform", () => {
  it("reports a PING ACK and answers nothing", () => {
    const { client, server } = connected()
    const data = Uint8Array.from([8, 7, 6, 5, 4, 3, 2, 1])
    server.writer.ping(data, true)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(client.takeEvents()).toEqual([{ _tag: "Ping", ack: true, data }])
    expect(client.takeOutput()).toEqual([])
  })

  it("takes a second GOAWAY with the same last stream id", () => {
    const { client, server } = connected()
    const id = open(client)
    server.writer.goAway(id, ErrorCode.NO_ERROR)
    server.writer.goAway(id, ErrorCode.NO_ERROR)
    expect(client.receive(server.bytes())).toBeUndefined()
    expect(tags(client.takeEvents())).toEqual(["GoAway", "GoAway"])
  })
})

describe("frames after the response ended, while the request still sends", () => {
  for (const [frame, write] of [
    ["DATA", (server: Server, id: number) => server.data(id, 3, false)],
    ["HEADERS", (server: Server, id: number) => server.headers(id, ["x-late", "1"], true)]
  ] as const) {
    it(`resets the stream on ${frame}, with STREAM_CLOSED`, () => {
      const { client, server } = connected()
      const id = open(client, false)
      client.takeOutput()
      server.headers(id, [":status", "200"], true)
      expect(client.receive(server.bytes())).toBeUndefined()
      expect(tags(client.takeEvents())).toEqual(["Headers"])
      write(server, id)
      expect(client.receive(server.bytes())).toBeUndefined()
      expect(client.takeEvents()).toMatchObject([
        {
          _tag: "StreamReset",
          streamId: id,
          errorCode: STREAM_CLOSED,
          error: { reason: "FrameAfterEndStream" }
        }
      ])
      expect(server.read(client.takeOutput())).toEqual([
        { _tag: "RstStream", streamId: id, errorCode: STREAM_CLOSED }
      ])
    })
  }
})

describe("error details", () => {
  /** The connection error a scenario ends in, as `reason: detail`. */
  const connectionError = (script: (client: ClientConnection, server: Server) => void): string => {
    const { client, server } = connected({ maxQueuedAnswers: 2, flood: { pings: 100 } })
    script(client, server)
    const error = client.receive(server.bytes())
    return error === undefined ? "none" : `${error.reason}: ${error.detail}`
  }

  /** The stream error a scenario resets its stream with, as `reason: detail`. */
  const streamError = (script: (id: number, server: Server) => void): string => {
    const { client, server } = connected({ initialWindowSize: 65_535, connectionWindowSize: 1_048_576 })
    const id = open(client, false)
    client.takeOutput()
    script(id, server)
    client.receive(server.bytes())
    const reset = client.takeEvents().find((e) => e._tag === "StreamReset")
    return reset?._tag === "StreamReset" && reset.error !== undefined
      ? `${reset.error.reason}: ${reset.error.detail}`
      : "none"
  }

  it("names what went wrong, for each connection error", () => {
    const details = {
      idleHeaders: connectionError((_, server) => server.headers(1, [":status", "200"], true)),
      idleData: connectionError((_, server) => server.data(3, 1, false)),
      idleReset: connectionError((_, server) => server.writer.rstStream(5, 8)),
      idleWindow: connectionError((_, server) => server.writer.windowUpdate(7, 1)),
      closedData: connectionError((client, server) => {
        const id = open(client)
        server.headers(id, [":status", "200"], true)
        server.data(id, 1, false)
      }),
      push: connectionError((client, server) => {
        const id = open(client)
        server.writer.pushPromise(id, 2, server.encoder.encode(GET), 16_384)
      }),
      settingsAck: connectionError((_, server) => {
        server.writer.settingsAck()
        server.writer.settingsAck()
      }),
      goAwayUp: connectionError((client, server) => {
        open(client)
        server.writer.goAway(1, 0)
        server.writer.goAway(3, 0)
      }),
      connectionWindow: connectionError((_, server) => server.writer.windowUpdate(0, 2 ** 31 - 1)),
      continuation: connectionError((_, server) => server.writer.continuation(1, new Uint8Array(0), true)),
      answers: connectionError((_, server) => {
        for (let i = 0; i < 3; i++) server.writer.ping(new Uint8Array(8), false)
      })
    }
    expect(details).toMatchInlineSnapshot(`
      {
        "answers": "AnswerBacklog: over 2 ACKs unwritten",
        "closedData": "FrameOnClosedStream: DATA frame on closed stream 1",
        "connectionWindow": "WindowOverflow: connection window over 2^31-1",
        "continuation": "UnexpectedContinuation: CONTINUATION on stream 1",
        "goAwayUp": "GoAwayIncreased: last stream 3 after 1",
        "idleData": "FrameOnIdleStream: DATA frame on idle stream 3",
        "idleHeaders": "FrameOnIdleStream: HEADERS frame on idle stream 1",
        "idleReset": "FrameOnIdleStream: RST_STREAM frame on idle stream 5",
        "idleWindow": "FrameOnIdleStream: WINDOW_UPDATE frame on idle stream 7",
        "push": "PushDisabled: PUSH_PROMISE although push is disabled",
        "settingsAck": "UnexpectedSettingsAck: SETTINGS ACK with none outstanding",
      }
    `)
  })

  it("names what went wrong, for each stream error", () => {
    const details = {
      dataBeforeHead: streamError((id, server) => server.data(id, 1, false)),
      streamWindow: streamError((id, server) => {
        server.headers(id, [":status", "200"], false)
        for (let i = 0; i < 5; i++) server.data(id, 16_000, false)
      }),
      dataAfterEnd: streamError((id, server) => {
        server.headers(id, [":status", "200"], true)
        server.data(id, 1, false)
      }),
      headersAfterEnd: streamError((id, server) => {
        server.headers(id, [":status", "200"], true)
        server.headers(id, ["x-late", "1"], true)
      }),
      windowOverflow: streamError((id, server) => server.writer.windowUpdate(id, 2 ** 31 - 1))
    }
    expect(details).toMatchInlineSnapshot(`
      {
        "dataAfterEnd": "FrameAfterEndStream: DATA after END_STREAM",
        "dataBeforeHead": "DataBeforeHeaders: DATA before the response head",
        "headersAfterEnd": "FrameAfterEndStream: HEADERS after END_STREAM",
        "streamWindow": "StreamWindowExceeded: DATA of 16000 bytes",
        "windowOverflow": "WindowOverflow: window over 2^31-1",
      }
    `)
  })
})

describe("what the client sends of its own accord", () => {
  it("says when bytes wait to be written, and not once they are taken", () => {
    const { client } = connected()
    expect(client.wantsWrite).toBe(false)
    open(client)
    expect(client.wantsWrite).toBe(true)
    client.takeOutput()
    expect(client.wantsWrite).toBe(false)
  })

  it("sends a PING that asks for an answer", () => {
    const { client, server } = connected()
    const data = Uint8Array.from([1, 1, 2, 3, 5, 8, 13, 21])
    client.ping(data)
    expect(server.read(client.takeOutput())).toEqual([{ _tag: "Ping", ack: false, data }])
  })

  it("sends one GOAWAY with its code, then opens no stream", () => {
    const { client, server } = connected()
    client.goAway(ErrorCode.ENHANCE_YOUR_CALM)
    client.goAway(ErrorCode.NO_ERROR)
    expect(server.read(client.takeOutput())).toMatchObject([
      { _tag: "GoAway", lastStreamId: 0, errorCode: ErrorCode.ENHANCE_YOUR_CALM }
    ])
    expect(client.request(GET, true)).toMatchObject({ _tag: "H2StreamRefused", reason: "ConnectionClosed" })
  })
})
