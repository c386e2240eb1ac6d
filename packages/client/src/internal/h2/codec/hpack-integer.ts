/**
 * HPACK integer representation (RFC 7541 §5.1).
 *
 * @internal
 */

/**
 * Writes `value` with an N-bit prefix at `offset`; the bits above the
 * prefix in the first octet are `flags`. Returns the offset after it.
 *
 * @internal
 */
export const encodeInteger = (
  target: Uint8Array,
  offset: number,
  value: number,
  prefixBits: number,
  flags: number
): number => {
  const max = (1 << prefixBits) - 1
  if (value < max) {
    target[offset] = flags | value
    return offset + 1
  }
  target[offset++] = flags | max
  let rest = value - max
  while (rest >= 128) {
    target[offset++] = (rest % 128) | 0x80
    rest = Math.floor(rest / 128)
  }
  target[offset] = rest
  return offset + 1
}

/**
 * Octets `encodeInteger` takes for `value`.
 *
 * @internal
 */
export const integerLength = (value: number, prefixBits: number): number => {
  const max = (1 << prefixBits) - 1
  if (value < max) return 1
  let n = 2
  for (let rest = value - max; rest >= 128; rest = Math.floor(rest / 128)) n++
  return n
}

/** Integers past this are refused: no HPACK quantity (index, length, table size) needs more. @internal */
export const MAX_INTEGER = 0xffff_ffff
