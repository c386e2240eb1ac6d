/**
 * Stream IDs: 8 hex digits, unique within a pool for 2^32 allocations.
 *
 * A counter from a random start goes through a bijection of 32-bit integers
 * (odd multiplications and xor-shifts are each invertible), so two
 * allocations from one allocator never collide, and consecutive IDs do not
 * look consecutive to a peer. No set of live IDs is kept.
 *
 * @internal
 */

const mix = (x: number): number => {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

const HEX = /^[0-9a-f]{8}$/

/** Whether `id` has the shape of a stream ID. @internal */
export const isStreamId = (id: string): boolean => id.length === 8 && HEX.test(id)

/** Hands out IDs for one pool. @internal */
export class IdAllocator {
  private counter: number
  private issued = 0

  constructor(seed: number = (Math.random() * 0x1_0000_0000) >>> 0) {
    this.counter = seed >>> 0
  }

  /** The next ID; throws once 2^32 have been issued, when uniqueness would end. */
  next(): string {
    if (this.issued === 0x1_0000_0000) throw new RangeError("stream ID space exhausted")
    this.issued++
    const value = mix(this.counter)
    this.counter = (this.counter + 1) >>> 0
    return value.toString(16).padStart(8, "0")
  }
}
