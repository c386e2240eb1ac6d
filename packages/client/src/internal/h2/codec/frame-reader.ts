/**
 * A sans-IO reader of HTTP/2 frames (RFC 9113 §4).
 *
 * It is fed bytes as they arrive, split anywhere, and hands each complete
 * frame to a {@link FrameHandler}. A frame that arrives whole is decoded in
 * place (its payload is a view into the chunk); one cut by a chunk boundary
 * is gathered into a buffer of exactly its size, allocated once it is known
 * to fit SETTINGS_MAX_FRAME_SIZE, so a peer cannot make the reader hold more
 * than one frame. Frames of unknown types are skipped unread (§4.1, §5.5).
 *
 * @internal
 */
import { ErrorCode } from "./error-codes.js"
import { connectionError, H2ConnectionError, type H2StreamError } from "./errors.js"
import { decodeFrame, readUint31 } from "./frame-decode.js"
import { DEFAULT_MAX_FRAME_SIZE, type Frame, FRAME_HEADER_LENGTH, FrameType } from "./frame.js"

/**
 * Receives what the reader finds, synchronously from within `feed`. Either
 * callback may return a connection error, which stops the reader.
 *
 * @internal
 */
export interface FrameHandler {
  onFrame(frame: Frame): H2ConnectionError | undefined
  /** A frame broke a rule whose breach RFC 9113 confines to its stream; reading goes on. */
  onStreamError(error: H2StreamError): H2ConnectionError | undefined
}

const enum State {
  Header,
  Payload,
  Skip,
  Dead
}

/**
 * Reads the frames of one connection, in order.
 *
 * @internal
 */
export class FrameReader {
  private state = State.Header
  private error: H2ConnectionError | undefined = undefined
  private maxFrameSize = DEFAULT_MAX_FRAME_SIZE
  /** A frame header cut by a chunk boundary. */
  private readonly head = new Uint8Array(FRAME_HEADER_LENGTH)
  private headLength = 0
  // The frame being read.
  private length = 0
  private type = 0
  private flags = 0
  private streamId = 0
  /** The payload of a frame cut by a chunk boundary, and how much of it has arrived. */
  private payload: Uint8Array = new Uint8Array(0)
  private filled = 0
  /** Bytes of an unknown frame still to skip. */
  private skip = 0

  constructor(private readonly handler: FrameHandler) {}

  /**
   * The largest payload accepted: our SETTINGS_MAX_FRAME_SIZE once the peer
   * has acknowledged it (16384 until then). Larger frames are a
   * FRAME_SIZE_ERROR (§4.2).
   */
  setMaxFrameSize(size: number): void {
    this.maxFrameSize = size
  }

  /** True between frames, with no partial frame buffered. */
  get idle(): boolean {
    return this.state === State.Header && this.headLength === 0
  }

  /**
   * Feeds bytes; reports every frame they complete. Returns the connection
   * error that stopped reading, after which the reader is dead and returns
   * it again on every call.
   */
  feed(chunk: Uint8Array): H2ConnectionError | undefined {
    const end = chunk.length
    let pos = 0
    while (pos < end && this.state !== State.Dead) {
      switch (this.state) {
        case State.Header:
          pos = this.readHeader(chunk, pos, end)
          break
        case State.Payload: {
          const n = Math.min(this.length - this.filled, end - pos)
          this.payload.set(chunk.subarray(pos, pos + n), this.filled)
          this.filled += n
          pos += n
          if (this.filled === this.length) {
            this.state = State.Header
            this.dispatch(this.payload)
          }
          break
        }
        default: {
          const n = Math.min(this.skip, end - pos)
          this.skip -= n
          pos += n
          if (this.skip === 0) this.state = State.Header
        }
      }
    }
    return this.error
  }

  private readHeader(chunk: Uint8Array, pos: number, end: number): number {
    let source = chunk
    let at = pos
    if (this.headLength === 0 && end - pos >= FRAME_HEADER_LENGTH) {
      pos += FRAME_HEADER_LENGTH
    } else {
      const n = Math.min(FRAME_HEADER_LENGTH - this.headLength, end - pos)
      this.head.set(chunk.subarray(pos, pos + n), this.headLength)
      this.headLength += n
      pos += n
      if (this.headLength < FRAME_HEADER_LENGTH) return pos
      this.headLength = 0
      source = this.head
      at = 0
    }
    const length = (source[at]! << 16) | (source[at + 1]! << 8) | source[at + 2]!
    this.length = length
    this.type = source[at + 3]!
    this.flags = source[at + 4]!
    this.streamId = readUint31(source, at + 5)
    if (length > this.maxFrameSize) {
      this.fail(
        connectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          "FrameTooLarge",
          `frame of type ${this.type} with ${length} bytes, over SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`
        )
      )
      return pos
    }
    if (this.type > FrameType.CONTINUATION && (this.type !== FrameType.ORIGIN || this.streamId !== 0)) {
      this.skip = length
      if (length > 0) this.state = State.Skip
      return pos
    }
    if (end - pos >= length) {
      this.dispatch(chunk.subarray(pos, pos + length))
      return pos + length
    }
    this.payload = new Uint8Array(length)
    this.filled = 0
    this.state = State.Payload
    return pos
  }

  private dispatch(payload: Uint8Array): void {
    const result = decodeFrame(this.type, this.flags, this.streamId, payload)
    let error: H2ConnectionError | undefined
    if (result instanceof H2ConnectionError) error = result
    else if (result._tag === "H2StreamError") error = this.handler.onStreamError(result)
    else error = this.handler.onFrame(result)
    if (error !== undefined) this.fail(error)
  }

  private fail(error: H2ConnectionError): void {
    this.error = error
    this.state = State.Dead
  }
}
