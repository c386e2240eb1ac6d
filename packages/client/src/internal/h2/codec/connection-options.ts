/**
 * Options of a {@link ClientConnection}, with their defaults.
 *
 * @internal
 */
import type { FloodLimits } from "./flood-guard.js"
import { DEFAULT_MAX_FRAME_SIZE, type Setting, SettingId } from "./frame.js"

/**
 * What we tell the peer in our SETTINGS, and the bounds we hold it to.
 *
 * @internal
 */
export interface ClientConnectionOptions {
  /** SETTINGS_HEADER_TABLE_SIZE: the HPACK table the peer may make us keep. Default 4096. */
  readonly headerTableSize?: number
  /** SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window. Default 262144. */
  readonly initialWindowSize?: number
  /** The connection's receive window, opened with a WINDOW_UPDATE after the preface. Default 1048576. */
  readonly connectionWindowSize?: number
  /** SETTINGS_MAX_FRAME_SIZE. Default 16384. */
  readonly maxFrameSize?: number
  /** SETTINGS_MAX_HEADER_LIST_SIZE; a longer response head resets its stream. Default 65536. */
  readonly maxHeaderListSize?: number
  /** Bytes of one compressed field block, CONTINUATION frames included; more is ENHANCE_YOUR_CALM. Default 65536. */
  readonly maxHeaderBlockSize?: number
  /** CONTINUATION frames in one field block; more is ENHANCE_YOUR_CALM. Default 32. */
  readonly maxContinuationFrames?: number
  /** Interim (1xx) responses on one stream; more resets it with ENHANCE_YOUR_CALM. Default 8. */
  readonly maxInterimResponses?: number
  /** Control-frame answers (SETTINGS and PING ACKs) queued and not taken; more is ENHANCE_YOUR_CALM. Default 1024. */
  readonly maxQueuedAnswers?: number
  /** The HPACK dynamic table our encoder uses at most. Default 4096. */
  readonly encoderTableSize?: number
  readonly flood?: FloodLimits
}

/**
 * The options with every default filled in.
 *
 * @internal
 */
export interface ResolvedOptions {
  readonly headerTableSize: number
  readonly initialWindowSize: number
  readonly connectionWindowSize: number
  readonly maxFrameSize: number
  readonly maxHeaderListSize: number
  readonly maxHeaderBlockSize: number
  readonly maxContinuationFrames: number
  readonly maxInterimResponses: number
  readonly maxQueuedAnswers: number
  readonly encoderTableSize: number
}

/**
 * Fills in the defaults documented on {@link ClientConnectionOptions}.
 *
 * @internal
 */
export const resolveOptions = (options?: ClientConnectionOptions): ResolvedOptions => ({
  headerTableSize: options?.headerTableSize ?? 4096,
  initialWindowSize: options?.initialWindowSize ?? 262_144,
  connectionWindowSize: options?.connectionWindowSize ?? 1_048_576,
  maxFrameSize: options?.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
  maxHeaderListSize: options?.maxHeaderListSize ?? 65_536,
  maxHeaderBlockSize: options?.maxHeaderBlockSize ?? 65_536,
  maxContinuationFrames: options?.maxContinuationFrames ?? 32,
  maxInterimResponses: options?.maxInterimResponses ?? 8,
  maxQueuedAnswers: options?.maxQueuedAnswers ?? 1024,
  encoderTableSize: options?.encoderTableSize ?? 4096
})

/**
 * Our SETTINGS: push disabled, and every value that differs from the
 * protocol's initial one.
 *
 * @internal
 */
export const localSettings = (o: ResolvedOptions): ReadonlyArray<Setting> => {
  const settings: Array<Setting> = [{ id: SettingId.ENABLE_PUSH, value: 0 }]
  if (o.headerTableSize !== 4096) settings.push({ id: SettingId.HEADER_TABLE_SIZE, value: o.headerTableSize })
  if (o.initialWindowSize !== 65_535)
    settings.push({ id: SettingId.INITIAL_WINDOW_SIZE, value: o.initialWindowSize })
  if (o.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE)
    settings.push({ id: SettingId.MAX_FRAME_SIZE, value: o.maxFrameSize })
  settings.push({ id: SettingId.MAX_HEADER_LIST_SIZE, value: o.maxHeaderListSize })
  return settings
}
