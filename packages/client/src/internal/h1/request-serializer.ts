/**
 * Serialization of HTTP/1.1 request heads and chunk framing (RFC 9112).
 *
 * Everything is validated before a byte is produced, so a request carrying
 * CR, LF or NUL in a header can never split into two on the wire.
 *
 * @since 0.1.0
 */
import { isFieldValue, isTarget, isToken } from "../exchange/tokens.js"

/**
 * Why a request head could not be serialized.
 *
 * @since 0.1.0
 */
export type SerializeErrorReason =
  "InvalidMethod" | "InvalidHeaderName" | "InvalidHeaderValue" | "InvalidTarget"

/**
 * A request head that could not be serialized: a stable `reason` and a
 * human-readable `detail`.
 *
 * @since 0.1.0
 */
export interface SerializeError {
  readonly reason: SerializeErrorReason
  readonly detail: string
}

/**
 * How the request body is delimited.
 *
 * - `none`: no body and no Content-Length (GET, HEAD, DELETE without body).
 * - `length`: `Content-Length: length`, also for an empty body on POST or PUT.
 * - `chunked`: `Transfer-Encoding: chunked`.
 *
 * @since 0.1.0
 */
export type RequestFraming =
  | { readonly _tag: "none" }
  | { readonly _tag: "length"; readonly length: number }
  | { readonly _tag: "chunked" }

const invalid = (reason: SerializeErrorReason, detail: string): SerializeError => ({ reason, detail })

/**
 * Case-insensitive equality of a token with a lower-case `lower` made of
 * letters and "-", without allocating. In a token, `| 0x20` can only fold
 * letters onto letters: CR is the one other byte that maps onto "-".
 */
const nameIs = (name: string, lower: string): boolean => {
  const n = lower.length
  if (name.length !== n) return false
  for (let i = 0; i < n; i++) {
    if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false
  }
  return true
}

/**
 * Serializes the request head (request line, Host, user headers, framing
 * headers, final CRLF) into one Buffer. `headers` is an iterable of
 * [name, value] or a record (names as given; emitted as given);
 * `contentType`, when given, is sent unless the headers carry one. The serializer itself
 * adds `host` (from `authority`) unless the user gave one, and
 * Content-Length / Transfer-Encoding from `framing` (user-supplied
 * content-length / transfer-encoding headers are dropped: framing is ours).
 * Validates everything before producing bytes: method is a token; target
 * has no CTL/space and is non-empty; header names are tokens; values have
 * no CR, LF, NUL or other CTL except HTAB, and no char > 0xFF. Returns
 * SerializeError instead of bytes when invalid.
 *
 * An added Host comes first, as RFC 9110 §7.2 asks; one given by the user
 * stays where it was given.
 *
 * @since 0.1.0
 */
export function serializeHead(
  method: string,
  target: string,
  authority: string,
  headers: Iterable<readonly [string, string]> | Readonly<Record<string, string>>,
  framing: RequestFraming,
  contentType?: string
): Buffer | SerializeError {
  if (!isToken(method)) return invalid("InvalidMethod", `method ${JSON.stringify(method)} is not a token`)
  // The target and values may carry credentials: details name where the problem is, not what it is.
  if (!isTarget(target)) {
    return invalid("InvalidTarget", "request target is empty or has a character other than visible ASCII")
  }
  // One string encoded once measured faster than validating and copying
  // each string into a preallocated buffer.
  let fields = ""
  let hasHost = false
  let hasContentType = false
  let error: SerializeError | undefined
  const field = (name: string, value: string): void => {
    if (!isToken(name)) {
      error = invalid("InvalidHeaderName", `header name ${JSON.stringify(name)} is not a token`)
    } else if (!isFieldValue(value)) {
      error = invalid("InvalidHeaderValue", `value of header "${name}" has a forbidden character`)
    } else if (!nameIs(name, "content-length") && !nameIs(name, "transfer-encoding")) {
      if (nameIs(name, "host")) hasHost = true
      else if (nameIs(name, "content-type")) hasContentType = true
      fields += `${name}: ${value}\r\n`
    }
  }
  // A record is walked directly: a generator or entries array per request costs more than the walk.
  if (isIterable(headers)) {
    for (const [name, value] of headers) {
      field(name, value)
      if (error !== undefined) return error
    }
  } else {
    for (const name in headers) {
      field(name, headers[name]!)
      if (error !== undefined) return error
    }
  }
  if (contentType !== undefined && !hasContentType) {
    field("content-type", contentType)
    if (error !== undefined) return error
  }
  let head = `${method} ${target} HTTP/1.1\r\n`
  if (!hasHost) {
    if (!isFieldValue(authority)) return invalid("InvalidHeaderValue", "authority has a forbidden character")
    head += `host: ${authority}\r\n`
  }
  head += fields
  switch (framing._tag) {
    case "length":
      if (!Number.isSafeInteger(framing.length) || framing.length < 0) {
        return invalid("InvalidHeaderValue", `content length ${framing.length} is not a non-negative integer`)
      }
      head += `content-length: ${framing.length}\r\n`
      break
    case "chunked":
      head += "transfer-encoding: chunked\r\n"
      break
    case "none":
      break
  }
  return Buffer.from(`${head}\r\n`, "latin1")
}

const isIterable = (
  headers: Iterable<readonly [string, string]> | Readonly<Record<string, string>>
): headers is Iterable<readonly [string, string]> => Symbol.iterator in headers

/**
 * Tells a {@link SerializeError} from serialized bytes.
 *
 * @since 0.1.0
 */
export const isSerializeError = (u: Buffer | SerializeError): u is SerializeError => !Buffer.isBuffer(u)

/**
 * The chunk-size line for a chunk of n bytes (e.g. "400\r\n"), to be
 * written before the data and followed by CRLF.
 *
 * Throws a RangeError when n is not a positive safe integer: a zero-size
 * chunk would end the body early, so it can only be a caller's bug.
 *
 * @since 0.1.0
 */
export function chunkHeader(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`chunk size ${n} is not a positive integer`)
  return Buffer.from(`${n.toString(16)}\r\n`, "latin1")
}

/**
 * CR LF, ending each chunk's data. Shared: never write into it.
 *
 * @since 0.1.0
 */
export const CRLF: Buffer = Buffer.from("\r\n", "latin1")

/**
 * "0\r\n\r\n": the last chunk and an empty trailer section. Shared: never
 * write into it.
 *
 * @since 0.1.0
 */
export const LAST_CHUNK: Buffer = Buffer.from("0\r\n\r\n", "latin1")
