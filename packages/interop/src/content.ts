/**
 * Bodies for the tests: reproducible bytes and their digests.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"

/**
 * `size` pseudo-random bytes, the same for the same seed, so a body cannot
 * pass by coincidence (as a run of zeros might after a misplaced copy).
 *
 * @since 0.1.0
 */
export const deterministicBytes = (size: number, seed = 1): Uint8Array => {
  const bytes = new Uint8Array(size)
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(size / 4))
  // xorshift32: fast enough for tens of MiB, and never stuck at zero with a non-zero seed.
  let state = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    words[i] = state >>> 0
  }
  for (let i = words.length * 4; i < size; i++) bytes[i] = i & 0xff
  return bytes
}

/**
 * SHA-256 of `bytes`, in hex.
 *
 * @since 0.1.0
 */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** One mebibyte, in bytes. @since 0.1.0 */
export const MiB = 1024 * 1024
