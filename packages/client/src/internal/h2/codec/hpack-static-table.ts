/**
 * The HPACK static table (RFC 7541 Appendix A), and the lookups an encoder
 * needs over it.
 *
 * @internal
 */

/** Entry `i` is index `i + 1`, as `[name, value]`. @internal */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""]
]

/** Number of static entries; dynamic indices start after it. @internal */
export const STATIC_TABLE_LENGTH = STATIC_TABLE.length

/** For each name, the index of its first entry and the index of each value it has there. */
interface StaticName {
  readonly index: number
  readonly values: ReadonlyMap<string, number>
}

const BY_NAME: ReadonlyMap<string, StaticName> = (() => {
  const byName = new Map<string, { index: number; values: Map<string, number> }>()
  STATIC_TABLE.forEach(([name, value], i) => {
    let entry = byName.get(name)
    if (entry === undefined) byName.set(name, (entry = { index: i + 1, values: new Map() }))
    if (value !== "") entry.values.set(value, i + 1)
  })
  return byName
})()

/**
 * The static index of `name: value` as a positive number, else minus the
 * index of an entry with that name, else 0.
 *
 * @internal
 */
export const staticLookup = (name: string, value: string): number => {
  const entry = BY_NAME.get(name)
  if (entry === undefined) return 0
  const full = entry.values.get(value)
  return full !== undefined ? full : -entry.index
}
