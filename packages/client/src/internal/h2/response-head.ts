/**
 * The protocol-neutral head of an HTTP/2 response, and its size as
 * SETTINGS_MAX_HEADER_LIST_SIZE counts it.
 *
 * @internal
 */
import type * as http2 from "node:http2"
import type { ResponseHead } from "../exchange/exchange.js"

const EMPTY: ReadonlyArray<string> = []

/**
 * Size of the last head `toHead` built, as SETTINGS_MAX_HEADER_LIST_SIZE
 * counts it (name, value and 32 per field): node advertises the limit but
 * does not hold received heads to it. A module variable, not a tuple per head.
 */
let headSize = 0

/** Turns node's response headers into the protocol-neutral head. @internal */
export const toHead = (headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): ResponseHead => {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  let setCookie: ReadonlyArray<string> = EMPTY
  let size = 0
  for (const name in headers) {
    // Pseudo-headers (":status") are not fields.
    if (name.charCodeAt(0) === 58) continue
    const value = headers[name]
    if (value === undefined) continue
    if (typeof value === "string") size += name.length + value.length + 32
    else for (const v of value) size += name.length + v.length + 32
    if (name === "set-cookie") {
      setCookie = typeof value === "string" ? [value] : value
      continue
    }
    out[name] = typeof value === "string" ? value : value.join(", ")
  }
  headSize = size
  return { status: headers[":status"] ?? 0, headers: out, setCookie }
}

/**
 * Turns a decoded field list `[name0, value0, …]` into the protocol-neutral
 * head; pseudo-headers are skipped. Our codec holds the list to
 * SETTINGS_MAX_HEADER_LIST_SIZE itself.
 *
 * @internal
 */
export const fieldsToHead = (status: number, fields: ReadonlyArray<string>): ResponseHead => {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  let setCookie: Array<string> | undefined
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!
    if (name.charCodeAt(0) === 58) continue
    const value = fields[i + 1]!
    if (name === "set-cookie") {
      ;(setCookie ??= []).push(value)
      continue
    }
    const previous = out[name]
    out[name] = previous === undefined ? value : `${previous}, ${value}`
  }
  return { status, headers: out, setCookie: setCookie ?? EMPTY }
}

/** The size of the head `toHead` built last. @internal */
export const lastHeadSize = (): number => headSize
