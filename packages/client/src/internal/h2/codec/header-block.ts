/**
 * Reassembly of a field block sent as HEADERS (or PUSH_PROMISE) followed by
 * CONTINUATION frames (RFC 9113 §6.10), with hard caps on its total size
 * and its number of frames: a peer that streams CONTINUATION frames without
 * end would otherwise make us buffer without end.
 *
 * @internal
 */
import { ErrorCode } from "./error-codes.js"
import { connectionError, type H2ConnectionError } from "./errors.js"

/**
 * A field block being reassembled from HEADERS and CONTINUATION frames.
 *
 * @internal
 */
export class HeaderBlock {
  private buffer = new Uint8Array(4096)
  private length = 0
  private frames = 0
  /** The stream whose block is open, or 0 when none is. */
  streamId = 0
  /** The END_STREAM flag of the HEADERS frame that opened the block. */
  endStream = false

  constructor(
    private readonly maxBytes: number,
    private readonly maxContinuations: number
  ) {}

  /** Whether a block is open, so that only CONTINUATION frames of its stream may come next. */
  get open(): boolean {
    return this.streamId !== 0
  }

  /** Opens a block with the fragment of a HEADERS frame that lacks END_HEADERS. */
  start(streamId: number, endStream: boolean, fragment: Uint8Array): H2ConnectionError | undefined {
    this.streamId = streamId
    this.endStream = endStream
    this.length = 0
    this.frames = 0
    return this.append(fragment)
  }

  /** Adds a CONTINUATION fragment. */
  continue(fragment: Uint8Array): H2ConnectionError | undefined {
    if (++this.frames > this.maxContinuations) {
      return connectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        "ContinuationFlood",
        `field block of stream ${this.streamId} in over ${this.maxContinuations} CONTINUATION frames`
      )
    }
    return this.append(fragment)
  }

  /** Closes the block; the view is valid until the next `start`. */
  finish(): Uint8Array {
    this.streamId = 0
    return this.buffer.subarray(0, this.length)
  }

  private append(fragment: Uint8Array): H2ConnectionError | undefined {
    const length = this.length + fragment.length
    if (length > this.maxBytes) {
      return connectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        "HeaderBlockTooLarge",
        `field block of stream ${this.streamId} over ${this.maxBytes} bytes`
      )
    }
    if (length > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(length, this.buffer.length * 2)))
      grown.set(this.buffer.subarray(0, this.length))
      this.buffer = grown
    }
    this.buffer.set(fragment, this.length)
    this.length = length
    return undefined
  }
}
