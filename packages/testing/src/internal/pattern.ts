/**
 * The deterministic body content served by the test servers: the alphabet
 * repeated, so any byte can be checked from its offset alone.
 *
 * @internal
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz"

// One preallocated block serves every slice up to this length without copying.
const BLOCK = 64 * 1024
const block = Buffer.from(ALPHABET.repeat(Math.ceil((BLOCK + ALPHABET.length) / ALPHABET.length)), "latin1")

/** @internal */
export const slice = (offset: number, length: number): Buffer => {
  const start = offset % ALPHABET.length
  if (length <= BLOCK) return block.subarray(start, start + length)
  const out = Buffer.allocUnsafe(length)
  for (let written = 0; written < length; written += BLOCK) {
    const n = Math.min(BLOCK, length - written)
    block.copy(out, written, (start + written) % ALPHABET.length, ((start + written) % ALPHABET.length) + n)
  }
  return out
}
