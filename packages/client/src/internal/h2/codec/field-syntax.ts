/**
 * The syntax HTTP/2 requires of field names and values (RFC 9113 §8.2),
 * checked on the sections we send and on those we receive.
 *
 * @internal
 */

/** Fields that are specific to a connection and have no place in HTTP/2 (§8.2.2). @internal */
export const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade"
])

const COLON = 0x3a

/** Whether a name is a pseudo-header's (§8.3). @internal */
export const isPseudo = (name: string): boolean => name.charCodeAt(0) === COLON

/** Whether a name is lower-case field-name characters (§8.2.1): no upper case, no controls, separators or space. @internal */
export const validName = (name: string): boolean => {
  if (name.length === 0) return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c <= 0x20 || c >= 0x7f || (c >= 0x41 && c <= 0x5a) || c === COLON) return false
  }
  return true
}

/** Whether a value has no NUL, CR or LF, nor leading or trailing whitespace (§8.2.1). @internal */
export const validValue = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0 || c === 0x0a || c === 0x0d) return false
  }
  const first = value.charCodeAt(0)
  const last = value.charCodeAt(value.length - 1)
  return value.length === 0 || (first !== 0x20 && first !== 0x09 && last !== 0x20 && last !== 0x09)
}

/** Request pseudo-headers (§8.3.1), and :protocol of extended CONNECT (RFC 8441). */
const REQUEST_PSEUDO: ReadonlySet<string> = new Set([
  ":method",
  ":scheme",
  ":authority",
  ":path",
  ":protocol"
])

/**
 * Why a request header list would be malformed, or undefined when it is
 * well formed: names lower case and valid, pseudo-headers known, once each
 * and first, :method present, no connection-specific field (§8.2, §8.3.1).
 * With `trailers`, checks a trailer section: no pseudo-header at all.
 *
 * @internal
 */
export const checkRequestHeaders = (headers: ReadonlyArray<string>, trailers = false): string | undefined => {
  let regularSeen = false
  let method = false
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!
    const value = headers[i + 1]!
    if (!validValue(value)) return `invalid value of field ${name}`
    if (isPseudo(name)) {
      if (trailers) return `pseudo-header ${name} in trailers`
      if (regularSeen) return `pseudo-header ${name} after a regular field`
      if (!REQUEST_PSEUDO.has(name)) return `pseudo-header ${name} in a request`
      for (let j = 0; j < i; j += 2) if (headers[j] === name) return `more than one ${name}`
      if (name === ":method") method = true
      continue
    }
    regularSeen = true
    if (!validName(name)) return `invalid field name "${name}"`
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`
    if (name === "te" && value !== "trailers") return "te other than trailers"
  }
  return method || trailers ? undefined : "no :method"
}
