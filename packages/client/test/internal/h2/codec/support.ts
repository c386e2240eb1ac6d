/**
 * A scripted server for the client connection's tests: it writes frames
 * with the codec's own writer and HPACK encoder, and reads what the client
 * queued back into frames.
 */
import { expect } from "vitest"
import { ClientConnection } from "../../../../src/internal/h2/codec/client-connection.js"
import type { ClientConnectionOptions } from "../../../../src/internal/h2/codec/connection-options.js"
import type { ConnectionEvent } from "../../../../src/internal/h2/codec/connection-events.js"
import { CLIENT_PREFACE, type Frame, type Setting } from "../../../../src/internal/h2/codec/frame.js"
import { FrameReader } from "../../../../src/internal/h2/codec/frame-reader.js"
import { FrameWriter } from "../../../../src/internal/h2/codec/frame-writer.js"
import { type HeaderList, HpackDecoder } from "../../../../src/internal/h2/codec/hpack-decoder.js"
import { HpackEncoder } from "../../../../src/internal/h2/codec/hpack-encoder.js"

export const concat = (pieces: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(pieces))

export class Server {
  readonly writer = new FrameWriter()
  readonly encoder = new HpackEncoder()
  readonly decoder = new HpackDecoder()
  /** @param prefaceSeen whether the client's preface was read already (by another Server) */
  constructor(private prefaceSeen = false) {}

  /** Frames in what the client queued, the preface checked and dropped. */
  read(pieces: ReadonlyArray<Uint8Array>): Array<Frame> {
    let bytes = concat(pieces)
    if (!this.prefaceSeen) {
      expect(Buffer.from(bytes.subarray(0, CLIENT_PREFACE.length))).toEqual(Buffer.from(CLIENT_PREFACE))
      bytes = bytes.subarray(CLIENT_PREFACE.length)
      this.prefaceSeen = true
    }
    const frames: Array<Frame> = []
    const reader = new FrameReader({
      onFrame: (frame) => {
        frames.push(frame)
        return undefined
      },
      onStreamError: (error) => {
        throw error
      }
    })
    reader.setMaxFrameSize(1 << 24)
    const error = reader.feed(bytes)
    if (error !== undefined) throw error
    return frames
  }

  /** Decodes a HEADERS frame's block with the server's HPACK context. */
  headersOf(frame: Frame): HeaderList {
    if (frame._tag !== "Headers") throw new Error(`not HEADERS: ${frame._tag}`)
    const result = this.decoder.decode(frame.fragment, frame.streamId)
    if (!Array.isArray(result)) throw result
    return result
  }

  bytes(): Uint8Array {
    return concat(this.writer.take())
  }

  settings(settings: ReadonlyArray<Setting> = []): this {
    this.writer.settings(settings)
    return this
  }

  headers(streamId: number, headers: HeaderList, endStream: boolean, maxFrameSize = 16_384): this {
    this.writer.headers(streamId, this.encoder.encode(headers), { endStream }, maxFrameSize)
    return this
  }

  data(streamId: number, length: number, endStream: boolean, padLength = 0): this {
    this.writer.data(streamId, new Uint8Array(length).fill(0x61), endStream, padLength)
    return this
  }
}

/** A started client that has seen the server's (empty) SETTINGS, with its output drained. */
export const connected = (options?: ClientConnectionOptions, serverSettings: ReadonlyArray<Setting> = []) => {
  const client = new ClientConnection(options)
  const server = new Server()
  client.start()
  const opening = server.read(client.takeOutput())
  expect(client.receive(server.settings(serverSettings).bytes())).toBeUndefined()
  client.takeOutput()
  client.takeEvents()
  return { client, server, opening }
}

export const GET: HeaderList = [
  ":method",
  "GET",
  ":scheme",
  "https",
  ":authority",
  "example.com",
  ":path",
  "/"
]

export const tags = (events: ReadonlyArray<ConnectionEvent>): Array<string> => events.map((e) => e._tag)
