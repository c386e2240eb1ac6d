/**
 * HTTP/2 error codes (RFC 9113 §7) as numbers and names.
 *
 * @internal
 */

/** @internal */
export const NO_ERROR = 0x0
/** @internal */
export const INTERNAL_ERROR = 0x2
/** @internal */
export const REFUSED_STREAM = 0x7
/** @internal */
export const CANCEL = 0x8

const names: ReadonlyArray<string> = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED"
]

/**
 * The registry name of an error code; codes outside the registry are legal
 * on the wire (RFC 9113 §7) and keep their number in hex.
 *
 * @internal
 */
export const codeName = (code: number): string => names[code] ?? `UNKNOWN_0x${code.toString(16)}`
