/**
 * The server's SETTINGS as they bind the client (RFC 9113 §6.5.2).
 *
 * @internal
 */
import { ErrorCode } from "./error-codes.js"
import { connectionError, type H2ConnectionError } from "./errors.js"
import { growSendWindow } from "./flow-control.js"
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW_SIZE, type Setting, SettingId } from "./frame.js"
import type { HpackEncoder } from "./hpack-encoder.js"
import type { Stream } from "./stream-state.js"

/**
 * The server's SETTINGS values in effect, from the protocol's initial ones on.
 *
 * @internal
 */
export class PeerSettings {
  maxConcurrentStreams = Number.POSITIVE_INFINITY
  initialWindowSize = DEFAULT_WINDOW_SIZE
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE
  maxHeaderListSize = Number.POSITIVE_INFINITY

  /**
   * Applies the values of one SETTINGS frame in order. A new initial window
   * size moves every open stream's send window by the change (§6.9.2); the
   * ids of those that grew are pushed on `grown`.
   */
  apply(
    settings: ReadonlyArray<Setting>,
    encoder: HpackEncoder,
    streams: Iterable<Stream>,
    grown: Array<number>
  ): H2ConnectionError | undefined {
    for (const { id, value } of settings) {
      switch (id) {
        case SettingId.HEADER_TABLE_SIZE:
          encoder.setPeerTableSize(value)
          break
        case SettingId.ENABLE_PUSH:
          // A server may only send 0 (§6.5.2).
          if (value !== 0)
            return connectionError(
              ErrorCode.PROTOCOL_ERROR,
              "BadSetting",
              "SETTINGS_ENABLE_PUSH from a server"
            )
          break
        case SettingId.MAX_CONCURRENT_STREAMS:
          this.maxConcurrentStreams = value
          break
        case SettingId.INITIAL_WINDOW_SIZE: {
          const delta = value - this.initialWindowSize
          this.initialWindowSize = value
          for (const stream of streams) {
            const next = growSendWindow(stream.sendWindow, delta)
            if (next === undefined) {
              return connectionError(
                ErrorCode.FLOW_CONTROL_ERROR,
                "WindowOverflow",
                `stream ${stream.id} window over 2^31-1`
              )
            }
            stream.sendWindow = next
            if (delta > 0) grown.push(stream.id)
          }
          break
        }
        case SettingId.MAX_FRAME_SIZE:
          this.maxFrameSize = value
          break
        case SettingId.MAX_HEADER_LIST_SIZE:
          this.maxHeaderListSize = value
          break
      }
    }
    return undefined
  }
}
