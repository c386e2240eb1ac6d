/**
 * Builds the header block of an HTTP/2 request from the pool's request.
 *
 * @internal
 */
import type * as http2 from "node:http2"
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
): http2.OutgoingHttpHeaders | InvalidRequestError => {
  // Node checks little of this (no CR, LF or NUL in values): nothing invalid may reach the wire.
  if (!isToken(method))
    return new InvalidRequestError({ reason: "InvalidMethod", detail: "method is not a token" })
  if (!isTarget(path))
    return new InvalidRequestError({ reason: "InvalidUrl", detail: "request target is not visible ASCII" })
  const out: http2.OutgoingHttpHeaders = {
    ":method": method,
    ":scheme": scheme,
    ":authority": authority,
    ":path": path
  }
  for (const name in fields) {
    const value = fields[name]!
    if (name === "host") {
      // As over HTTP/1.1, a Host the caller set wins; HTTP/2 carries it as :authority (RFC 9113 §8.3.1).
      if (!isFieldValue(value) || value === "")
        return new InvalidRequestError({ reason: "InvalidHeaderValue", detail: "value of host" })
      out[":authority"] = value
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
    out[name] = value
  }
  switch (body._tag) {
    case "Empty":
      if (expectsBody(method)) out["content-length"] = "0"
      break
    case "Bytes":
      out["content-length"] = String(body.bytes.byteLength)
      if (body.contentType !== undefined && out["content-type"] === undefined)
        out["content-type"] = body.contentType
      break
    case "Stream":
      if (body.length !== undefined) out["content-length"] = String(body.length)
      if (body.contentType !== undefined && out["content-type"] === undefined)
        out["content-type"] = body.contentType
      break
  }
  return out
}
