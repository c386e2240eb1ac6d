/**
 * Body chunks as both protocols hand them over: views into what the socket
 * read, joined only when a caller asks for one contiguous body.
 *
 * @internal
 */

/** Joins body chunks into one contiguous buffer. */
export const joinChunks = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  let total = 0
  for (const c of chunks) total += c.byteLength
  const out = Buffer.allocUnsafe(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}
