/**
 * Character classes of HTTP syntax (RFC 9110 §5.6, RFC 9112): 256-entry
 * lookup tables for the HTTP/1.1 parser's byte loops, which classify a byte
 * with one load instead of a chain of comparisons, and whole-string checks
 * that both protocols apply to what a request sends.
 *
 * @internal
 */

/**
 * `tchar` (RFC 9110 §5.6.2): 0 for bytes that cannot appear in a token,
 * 1 for those that can, 2 for the upper-case letters (which can, and which
 * tell the parser a header name needs lower-casing).
 *
 * @internal
 */
export const TCHAR: Uint8Array = (() => {
  const table = new Uint8Array(256)
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 2
  for (const ch of "!#$%&'*+-.^_`|~") table[ch.charCodeAt(0)] = 1
  return table
})()

/**
 * Bytes of a field value (RFC 9110 §5.5): 0 for bytes that cannot appear
 * (CTLs other than HTAB, DEL), 1 for `field-vchar` (VCHAR and obs-text),
 * 2 for the whitespace allowed inside a value (SP, HTAB), which a value
 * must not begin or end with.
 *
 * @internal
 */
export const FIELD_VALUE: Uint8Array = (() => {
  const table = new Uint8Array(256)
  for (let c = 0x21; c <= 0x7e; c++) table[c] = 1
  for (let c = 0x80; c <= 0xff; c++) table[c] = 1
  table[0x20] = 2
  table[0x09] = 2
  return table
})()

/**
 * The value of a hexadecimal digit, -1 for any other byte.
 *
 * @internal
 */
export const HEX: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1)
  for (let c = 0; c < 10; c++) table[0x30 + c] = c
  for (let c = 0; c < 6; c++) {
    table[0x41 + c] = 10 + c
    table[0x61 + c] = 10 + c
  }
  return table
})()

// Whole strings are checked with regular expressions: measured faster than
// a charCodeAt loop over a table for the few dozen characters of a name or value.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/
const NOT_TARGET = /[^\x21-\x7e]/

/**
 * Whether `s` is a non-empty `token` (RFC 9110 §5.6.2): a valid method or
 * header name.
 *
 * @internal
 */
export const isToken = (s: string): boolean => TOKEN.test(s)

/**
 * Whether `s` can be sent as a field value: no CTL but HTAB, no DEL, and
 * every character within Latin-1 so it encodes as one byte. Leading and
 * trailing whitespace is allowed here; it is the sender's to keep or trim.
 *
 * @internal
 */
export const isFieldValue = (s: string): boolean => !NOT_FIELD_VALUE.test(s)

/**
 * Whether `s` can be sent as a request-target: non-empty visible ASCII.
 * Anything else must arrive percent-encoded.
 *
 * @internal
 */
export const isTarget = (s: string): boolean => s.length > 0 && !NOT_TARGET.test(s)
