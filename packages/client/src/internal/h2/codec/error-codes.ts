/**
 * HTTP/2 error codes (RFC 9113 §7).
 *
 * @internal
 */

/**
 * The registered error codes, by name.
 *
 * @internal
 */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd
} as const

/**
 * One of the registered error codes.
 *
 * @internal
 */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

const names: ReadonlyArray<string> = Object.keys(ErrorCode)

/**
 * The registry name of an error code. Codes outside the registry are legal
 * on the wire (RFC 9113 §7 says to treat them as INTERNAL_ERROR, but a log
 * is more useful with the number), so they keep their number in hex.
 *
 * @internal
 */
export const errorCodeName = (code: number): string => names[code] ?? `UNKNOWN_0x${code.toString(16)}`
