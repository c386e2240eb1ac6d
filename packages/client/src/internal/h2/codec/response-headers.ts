/**
 * Checks of a decoded response header section (RFC 9113 §8.1.1, §8.2,
 * §8.3.2): what makes a response malformed, which is a stream error of type
 * PROTOCOL_ERROR.
 *
 * @internal
 */
import type { HeadersEvent } from "./connection-events.js"
import { ErrorCode } from "./error-codes.js"
import { type H2StreamError, streamError } from "./errors.js"
import type { HeaderList } from "./hpack-decoder.js"
import { CONNECTION_SPECIFIC, isPseudo, validName, validValue } from "./field-syntax.js"
import { ResponsePhase, type Stream } from "./stream-state.js"

/**
 * The :status of a response head, or a string saying why the head is
 * malformed. With `trailers`, checks a trailer section instead and returns
 * 0 when it is well formed.
 *
 * @internal
 */
export const checkResponseHeaders = (headers: ReadonlyArray<string>, trailers: boolean): number | string => {
  let status = -1
  let regularSeen = false
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!
    const value = headers[i + 1]!
    if (isPseudo(name)) {
      if (trailers) return `pseudo-header ${name} in trailers`
      if (regularSeen) return `pseudo-header ${name} after a regular field`
      if (name !== ":status") return `pseudo-header ${name} in a response`
      if (status >= 0) return "more than one :status"
      if (value.length !== 3 || !isDigits(value)) return `invalid :status "${value}"`
      status = Number(value)
      continue
    }
    regularSeen = true
    if (!validName(name)) return `invalid field name "${name}"`
    if (!validValue(value)) return `invalid value of field ${name}`
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`
    if (name === "te" && value !== "trailers") return "te other than trailers"
  }
  if (trailers) return 0
  return status < 0 ? "no :status" : status
}

const isDigits = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

/**
 * What a decoded header section means for its stream: an interim head, the
 * final head or trailers, as the event to report; or why it resets the
 * stream (§8.1). Counts interim heads and moves the stream to its body.
 *
 * @internal
 */
export const responseSection = (
  stream: Stream,
  headers: HeaderList,
  endStream: boolean,
  maxInterimResponses: number
): HeadersEvent | H2StreamError => {
  const streamId = stream.id
  const malformed = (reason: string, detail: string) =>
    streamError(streamId, ErrorCode.PROTOCOL_ERROR, reason, detail)
  if (stream.phase === ResponsePhase.Body) {
    if (!endStream) return malformed("TrailersWithoutEndStream", "a second header section without END_STREAM")
    const problem = checkResponseHeaders(headers, true)
    if (typeof problem === "string") return malformed("MalformedTrailers", problem)
    const short = lengthMismatch(stream, 0, true)
    if (short !== undefined) return short
    return { _tag: "Headers", streamId, kind: "trailers", status: 0, headers, endStream }
  }
  const status = checkResponseHeaders(headers, false)
  if (typeof status === "string") return malformed("MalformedHeaders", status)
  if (status >= 200) {
    stream.phase = ResponsePhase.Body
    // HEAD, 204 and 304 responses have no body, whatever content-length says (RFC 9110 §6.4.1).
    const bodyless = stream.headRequest || status === 204 || status === 304
    const length = bodyless ? -1 : contentLength(headers)
    if (length === INVALID) return malformed("InvalidContentLength", "invalid or conflicting content-length")
    stream.expectedLength = length
    const short = endStream ? lengthMismatch(stream, 0, true) : undefined
    if (short !== undefined) return short
    return { _tag: "Headers", streamId, kind: "final", status, headers, endStream }
  }
  // 101 has no meaning in HTTP/2 (§8.6), and an interim head never ends a stream.
  if (status === 101 || endStream) return malformed("BadInterimResponse", `interim response ${status}`)
  if (++stream.interim > maxInterimResponses) {
    const detail = `over ${maxInterimResponses} interim responses`
    return streamError(streamId, ErrorCode.ENHANCE_YOUR_CALM, "InterimFlood", detail)
  }
  return { _tag: "Headers", streamId, kind: "interim", status, headers, endStream }
}

const INVALID = -2

/** The content-length of a header list, -1 when there is none, INVALID when malformed or conflicting. */
const contentLength = (headers: HeaderList): number => {
  let length = -1
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i] !== "content-length") continue
    const value = headers[i + 1]!
    if (value.length === 0 || value.length > 15 || !isDigits(value)) return INVALID
    const n = Number(value)
    if (length >= 0 && n !== length) return INVALID
    length = n
  }
  return length
}

/**
 * The error when `n` more body bytes, and the end of the stream if `end`,
 * disagree with the announced content-length (§8.1.1).
 *
 * @internal
 */
export const lengthMismatch = (stream: Stream, n: number, end: boolean): H2StreamError | undefined => {
  const expected = stream.expectedLength
  if (expected < 0) return undefined
  const total = stream.bodyBytes + n
  if (total > expected || (end && total !== expected)) {
    const detail = `${total} body bytes${end ? "" : " so far"} for a content-length of ${expected}`
    return streamError(stream.id, ErrorCode.PROTOCOL_ERROR, "ContentLengthMismatch", detail)
  }
  return undefined
}
