/**
 * A writer of HTTP/2 frames (RFC 9113 §4, §6) into preallocated memory.
 *
 * Frames are serialised back to back into a slab: the 9-byte header, then
 * the payload. `take` hands out views of what was written since the last
 * call and carries on in the same slab, so a write of many small frames is
 * one contiguous region and never a concatenation. Large DATA payloads are
 * not copied: the slab region so far, then the caller's bytes, are handed
 * out as separate pieces for a vectored write.
 *
 * The writer checks nothing the caller controls (sizes against the peer's
 * SETTINGS_MAX_FRAME_SIZE, windows): the connection state does.
 *
 * @internal
 */
import {
  CLIENT_PREFACE,
  Flag,
  FRAME_HEADER_LENGTH,
  FrameType,
  type PrioritySpec,
  type Setting
} from "./frame.js"

/**
 * Writes a frame header at `offset` (§4.1).
 *
 * @internal
 */
export const writeFrameHeader = (
  target: Uint8Array,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number
): void => {
  target[offset] = length >>> 16
  target[offset + 1] = (length >>> 8) & 0xff
  target[offset + 2] = length & 0xff
  target[offset + 3] = type
  target[offset + 4] = flags
  writeUint32(target, offset + 5, streamId & 0x7fff_ffff)
}

const writeUint32 = (target: Uint8Array, offset: number, value: number): void => {
  target[offset] = value >>> 24
  target[offset + 1] = (value >>> 16) & 0xff
  target[offset + 2] = (value >>> 8) & 0xff
  target[offset + 3] = value & 0xff
}

/**
 * Sizes of the writer's memory.
 *
 * @internal
 */
export interface FrameWriterOptions {
  /** Bytes per slab. Default 16384. */
  readonly slabSize?: number
  /** DATA payloads of at least this many bytes are passed on by reference rather than copied. Default 1024. */
  readonly copyThreshold?: number
}

/**
 * Header-carrying frame options.
 *
 * @internal
 */
export interface HeadersOptions {
  readonly endStream: boolean
  readonly priority?: PrioritySpec
  /** Bytes of padding, 0–255 (less what the other fields take). Default none. */
  readonly padLength?: number
}

/**
 * Serialises the frames of one connection, in order.
 *
 * @internal
 */
export class FrameWriter {
  private readonly slabSize: number
  private readonly copyThreshold: number
  private slab: Uint8Array
  /** Where the next byte goes in the slab. */
  private pos = 0
  /** Start of the part of the slab not yet in `pieces`. */
  private start = 0
  private pieces: Array<Uint8Array> = []
  private total = 0

  constructor(options?: FrameWriterOptions) {
    this.slabSize = options?.slabSize ?? 16_384
    this.copyThreshold = options?.copyThreshold ?? 1024
    this.slab = new Uint8Array(this.slabSize)
  }

  /** Bytes written and not yet taken. */
  get pendingBytes(): number {
    return this.total
  }

  /** Everything written since the last call, in order, as views no later write touches. */
  take(): ReadonlyArray<Uint8Array> {
    this.seal()
    const pieces = this.pieces
    this.pieces = []
    this.total = 0
    return pieces
  }

  /** The client connection preface (§3.4); a SETTINGS frame must follow. */
  preface(): void {
    this.reserve(CLIENT_PREFACE.length).set(CLIENT_PREFACE, this.pos)
    this.advance(CLIENT_PREFACE.length)
  }

  /** A DATA frame; `data` must fit the peer's SETTINGS_MAX_FRAME_SIZE with the padding. */
  data(streamId: number, data: Uint8Array, endStream: boolean, padLength = 0): void {
    const flags = (endStream ? Flag.END_STREAM : 0) | (padLength > 0 ? Flag.PADDED : 0)
    const prefix = padLength > 0 ? 1 : 0
    const length = prefix + data.length + padLength
    if (data.length < this.copyThreshold || padLength > 0) {
      const slab = this.header(length, FrameType.DATA, flags, streamId, length)
      if (prefix > 0) slab[this.pos++] = padLength
      slab.set(data, this.pos)
      this.pos += data.length
      this.padding(padLength)
      return
    }
    this.header(length, FrameType.DATA, flags, streamId, 0)
    this.seal()
    this.pieces.push(data)
    this.total += data.length
  }

  /**
   * A HEADERS frame carrying `block`, followed by as many CONTINUATION
   * frames as it takes to keep each payload within `maxFrameSize`.
   */
  headers(streamId: number, block: Uint8Array, options: HeadersOptions, maxFrameSize: number): void {
    const padLength = options.padLength ?? 0
    const fixed = (padLength > 0 ? 1 + padLength : 0) + (options.priority !== undefined ? 5 : 0)
    const first = Math.max(0, Math.min(block.length, maxFrameSize - fixed))
    const flags =
      (options.endStream ? Flag.END_STREAM : 0) |
      (first === block.length ? Flag.END_HEADERS : 0) |
      (padLength > 0 ? Flag.PADDED : 0) |
      (options.priority !== undefined ? Flag.PRIORITY : 0)
    const slab = this.header(fixed + first, FrameType.HEADERS, flags, streamId, fixed + first)
    if (padLength > 0) slab[this.pos++] = padLength
    if (options.priority !== undefined) this.prioritySpec(options.priority)
    slab.set(block.subarray(0, first), this.pos)
    this.pos += first
    this.padding(padLength)
    this.continuations(streamId, block, first, maxFrameSize)
  }

  /** A PUSH_PROMISE frame (servers only; here so that the reader can be tested against it). */
  pushPromise(streamId: number, promisedStreamId: number, block: Uint8Array, maxFrameSize: number): void {
    const first = Math.min(block.length, maxFrameSize - 4)
    const flags = first === block.length ? Flag.END_HEADERS : 0
    const slab = this.header(4 + first, FrameType.PUSH_PROMISE, flags, streamId, 4 + first)
    writeUint32(slab, this.pos, promisedStreamId & 0x7fff_ffff)
    slab.set(block.subarray(0, first), this.pos + 4)
    this.pos += 4 + first
    this.continuations(streamId, block, first, maxFrameSize)
  }

  /** A single CONTINUATION frame. */
  continuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): void {
    const flags = endHeaders ? Flag.END_HEADERS : 0
    const slab = this.header(fragment.length, FrameType.CONTINUATION, flags, streamId, fragment.length)
    slab.set(fragment, this.pos)
    this.pos += fragment.length
  }

  priority(streamId: number, priority: PrioritySpec): void {
    this.header(5, FrameType.PRIORITY, 0, streamId, 5)
    this.prioritySpec(priority)
  }

  rstStream(streamId: number, errorCode: number): void {
    writeUint32(this.header(4, FrameType.RST_STREAM, 0, streamId, 4), this.pos, errorCode)
    this.pos += 4
  }

  settings(settings: ReadonlyArray<Setting>): void {
    const slab = this.header(settings.length * 6, FrameType.SETTINGS, 0, 0, settings.length * 6)
    for (const { id, value } of settings) {
      slab[this.pos] = id >>> 8
      slab[this.pos + 1] = id & 0xff
      writeUint32(slab, this.pos + 2, value)
      this.pos += 6
    }
  }

  settingsAck(): void {
    this.header(0, FrameType.SETTINGS, Flag.ACK, 0, 0)
  }

  /** A PING frame; `data` must be 8 bytes. */
  ping(data: Uint8Array, ack: boolean): void {
    this.header(8, FrameType.PING, ack ? Flag.ACK : 0, 0, 8).set(data.subarray(0, 8), this.pos)
    this.pos += 8
  }

  goAway(lastStreamId: number, errorCode: number, debugData: Uint8Array = EMPTY): void {
    const length = 8 + debugData.length
    const slab = this.header(length, FrameType.GOAWAY, 0, 0, length)
    writeUint32(slab, this.pos, lastStreamId & 0x7fff_ffff)
    writeUint32(slab, this.pos + 4, errorCode)
    slab.set(debugData, this.pos + 8)
    this.pos += length
  }

  windowUpdate(streamId: number, increment: number): void {
    writeUint32(this.header(4, FrameType.WINDOW_UPDATE, 0, streamId, 4), this.pos, increment & 0x7fff_ffff)
    this.pos += 4
  }

  private continuations(streamId: number, block: Uint8Array, from: number, maxFrameSize: number): void {
    let at = from
    while (at < block.length) {
      const next = Math.min(block.length, at + maxFrameSize)
      this.continuation(streamId, block.subarray(at, next), next === block.length)
      at = next
    }
  }

  private prioritySpec(priority: PrioritySpec): void {
    const slab = this.slab
    writeUint32(slab, this.pos, (priority.dependency & 0x7fff_ffff) | (priority.exclusive ? 0x8000_0000 : 0))
    slab[this.pos + 4] = priority.weight
    this.pos += 5
  }

  private padding(padLength: number): void {
    this.slab.fill(0, this.pos, this.pos + padLength)
    this.pos += padLength
  }

  /** Writes a frame header with room for `room` payload bytes after it; returns the slab to write them to. */
  private header(length: number, type: number, flags: number, streamId: number, room: number): Uint8Array {
    const slab = this.reserve(FRAME_HEADER_LENGTH + room)
    writeFrameHeader(slab, this.pos, length, type, flags, streamId)
    this.pos += FRAME_HEADER_LENGTH
    this.total += FRAME_HEADER_LENGTH + room
    return slab
  }

  private advance(n: number): void {
    this.pos += n
    this.total += n
  }

  /** A slab with `n` free bytes at `pos`, starting a new one if the current is too full. */
  private reserve(n: number): Uint8Array {
    if (this.slab.length - this.pos < n) {
      this.seal()
      this.slab = new Uint8Array(Math.max(this.slabSize, n))
      this.pos = 0
      this.start = 0
    }
    return this.slab
  }

  private seal(): void {
    if (this.pos > this.start) {
      this.pieces.push(this.slab.subarray(this.start, this.pos))
      this.start = this.pos
    }
  }
}

const EMPTY = new Uint8Array(0)
