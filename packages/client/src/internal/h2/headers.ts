/**
 * Builds the header block of an HTTP/2 request from the pool's request.
 *
 * @internal
 */
import type { RequestFields } from "./engine/session-io.js"
import { expectsBody, type PreparedBody } from "../exchange/request-body.js"
import { InvalidRequestError } from "../../Errors.js"
import { isFieldValue, isTarget, isToken } from "../exchange/tokens.js"

/**
 * Fields that mean something only to an HTTP/1.1 connection; RFC 9113 §8.2.2
 * makes a message carrying them malformed, and node throws on most of them.
 */
const connectionSpecific = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "proxy-connection",
  "http2-settings"
])

/** @internal */
export const buildHeaders = (
  scheme: "http" | "https",
  method: string,
  path: string,
  authority: string,
  fields: Record<string, string>,
  body: PreparedBody
): RequestFields | InvalidRequestError => {
  // Node checks little of this (no CR, LF or NUL in values): nothing invalid may reach the wire.
  if (!isToken(method))
    return new InvalidRequestError({ reason: "InvalidMethod", detail: "method is not a token" })
  if (!isTarget(path))
    return new InvalidRequestError({ reason: "InvalidUrl", detail: "request target is not visible ASCII" })
  const out: RequestFields = [":method", method, ":scheme", scheme, ":authority", authority, ":path", path]
  for (const name in fields) {
    const value = fields[name]!
    if (name === "host") {
      // As over HTTP/1.1, a Host the caller set wins; HTTP/2 carries it as :authority (RFC 9113 §8.3.1).
      if (!isFieldValue(value) || value === "")
        return new InvalidRequestError({ reason: "InvalidHeaderValue", detail: "value of host" })
      out[5] = value
      continue
    }
    if (connectionSpecific.has(name)) continue
    // "te: trailers" is the one TE value HTTP/2 allows.
    if (name === "te" && value !== "trailers") continue
    if (!isToken(name))
      return new InvalidRequestError({ reason: "InvalidHeaderName", detail: "a header name is not a token" })
    if (!isFieldValue(value)) {
      return new InvalidRequestError({ reason: "InvalidHeaderValue", detail: `value of ${name}` })
    }
    // The body's own length wins over the caller's; see below.
    if (name !== "content-length") out.push(name, value)
  }
  let length: string | undefined = fields["content-length"]
  switch (body._tag) {
    case "Empty":
      if (expectsBody(method)) length = "0"
      break
    case "Bytes":
      length = String(body.bytes.byteLength)
      if (body.contentType !== undefined && fields["content-type"] === undefined)
        out.push("content-type", body.contentType)
      break
    case "Stream":
      if (body.length !== undefined) length = String(body.length)
      if (body.contentType !== undefined && fields["content-type"] === undefined)
        out.push("content-type", body.contentType)
      break
  }
  if (length !== undefined) out.push("content-length", length)
  return out
}
