/**
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B): an encoder over
 * latin1 strings and a table-driven decoder.
 *
 * The decoder reads four bits at a time. Its states are the internal nodes
 * of the code tree; from each state and nibble a precomputed entry gives
 * the next state and the symbol completed on the way, if any. No code is
 * shorter than five bits, so a nibble completes at most one symbol. The
 * table is built from Appendix B when the module loads (256 × 16 entries).
 *
 * @internal
 */
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from "./huffman-table.js"

const EOS = 256

/** The code table as typed arrays, for the encoder's inner loop. */
const CODES = Int32Array.from(HUFFMAN_CODES)
const LENGTHS = Uint8Array.from(HUFFMAN_LENGTHS)

/** Per entry: next state in bits 0–7, symbol in bits 8–15, then the flags. */
const EMIT = 1 << 16
const FAIL = 1 << 17

/** Transitions: `TRANSITIONS[state * 16 + nibble]`. */
const TRANSITIONS = new Int32Array(256 * 16)
/** Whether a string may end in each state: at a symbol boundary, or within at most 7 bits of EOS's leading ones (§5.2). */
const ACCEPTS = new Uint8Array(256)

const buildDecoder = (): void => {
  // Internal nodes get ids in order of creation, the root being 0; a child
  // that is a leaf is stored as -(symbol + 1).
  const children: Array<[number, number]> = [[0, 0]]
  const depth = [0]
  const allOnes = [true]
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODES[sym]!
    const length = HUFFMAN_LENGTHS[sym]!
    let node = 0
    for (let i = length - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) % 2
      const pair = children[node]!
      if (i === 0) {
        pair[bit] = -(sym + 1)
        break
      }
      if (pair[bit] === 0) {
        pair[bit] = children.length
        children.push([0, 0])
        depth.push(depth[node]! + 1)
        allOnes.push(allOnes[node]! && bit === 1)
      }
      node = pair[bit]!
    }
  }
  for (let state = 0; state < children.length; state++) {
    ACCEPTS[state] = state === 0 || (allOnes[state]! && depth[state]! <= 7) ? 1 : 0
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state
      let entry = 0
      for (let i = 3; i >= 0; i--) {
        const next = children[node]![(nibble >> i) & 1]!
        if (next >= 0) {
          node = next
          continue
        }
        const sym = -next - 1
        if (sym === EOS) entry |= FAIL
        else entry |= EMIT | (sym << 8)
        node = 0
      }
      TRANSITIONS[state * 16 + nibble] = entry | node
    }
  }
}
buildDecoder()

let scratch: Buffer = Buffer.allocUnsafe(256)

/**
 * Decodes `src[start, end)`; undefined when it holds EOS, or ends in
 * padding that is longer than 7 bits or not the leading bits of EOS.
 *
 * @internal
 */
export const huffmanDecode = (src: Uint8Array, start: number, end: number): string | undefined => {
  // The shortest code is 5 bits, which bounds the output.
  const max = Math.ceil(((end - start) * 8) / 5)
  if (scratch.length < max) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2))
  const out = scratch
  let n = 0
  let state = 0
  for (let i = start; i < end; i++) {
    const byte = src[i]!
    let entry = TRANSITIONS[(state << 4) | (byte >> 4)]!
    if ((entry & FAIL) !== 0) return undefined
    if ((entry & EMIT) !== 0) out[n++] = (entry >> 8) & 0xff
    entry = TRANSITIONS[((entry & 0xff) << 4) | (byte & 0x0f)]!
    if ((entry & FAIL) !== 0) return undefined
    if ((entry & EMIT) !== 0) out[n++] = (entry >> 8) & 0xff
    state = entry & 0xff
  }
  if (ACCEPTS[state] === 0) return undefined
  return out.toString("latin1", 0, n)
}

/**
 * Octets the Huffman code of `s` takes (each character taken as a latin1
 * octet).
 *
 * @internal
 */
export const huffmanLength = (s: string): number => {
  let bits = 0
  for (let i = 0; i < s.length; i++) bits += LENGTHS[s.charCodeAt(i) & 0xff]!
  return (bits + 7) >> 3
}

/**
 * Writes the Huffman code of `s` at `offset`, padded with ones (the
 * leading bits of EOS) to an octet boundary; returns the offset after it.
 *
 * @internal
 */
export const huffmanEncode = (s: string, target: Uint8Array, offset: number): number => {
  // At most 7 bits wait in `acc` between symbols, so a code of up to 24 bits
  // fits beside them in 31; the longer codes (control octets, mostly) go in
  // two steps.
  let acc = 0
  let bits = 0
  let at = offset
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff
    const code = CODES[sym]!
    let length = LENGTHS[sym]!
    if (length > 24) {
      acc = (acc << (length - 16)) | (code >>> 16)
      bits += length - 16
      while (bits >= 8) target[at++] = acc >>> (bits -= 8)
      acc &= (1 << bits) - 1
      length = 16
    }
    acc = (acc << length) | (code & ((1 << length) - 1))
    bits += length
    while (bits >= 8) target[at++] = acc >>> (bits -= 8)
    acc &= (1 << bits) - 1
  }
  if (bits > 0) target[at++] = (acc << (8 - bits)) | (0xff >> bits)
  return at
}
