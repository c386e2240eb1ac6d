import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { IdAllocator, isStreamId } from "../../../src/internal/stream-pool/ids.js"

describe("stream IDs", () => {
  it("100,000 IDs from one allocator are distinct 8-hex-digit IDs", () => {
    const ids = new IdAllocator()
    const seen = new Set<string>()
    for (let i = 0; i < 100_000; i++) {
      const id = ids.next()
      expect(isStreamId(id)).toBe(true)
      seen.add(id)
    }
    expect(seen.size).toBe(100_000)
  })

  it("stays unique across the wrap of its counter, from any seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (seed) => {
        const ids = new IdAllocator(seed)
        const seen = new Set<string>()
        for (let i = 0; i < 2_000; i++) seen.add(ids.next())
        return seen.size === 2_000
      }),
      { examples: [[0xffff_fc00]] }
    )
  })

  it("consecutive IDs do not look consecutive", () => {
    const ids = new IdAllocator(0)
    const a = parseInt(ids.next(), 16)
    const b = parseInt(ids.next(), 16)
    expect(Math.abs(a - b)).toBeGreaterThan(1)
  })

  it("recognises the shape", () => {
    expect(isStreamId("00c0ffee")).toBe(true)
    expect(isStreamId("00C0FFEE")).toBe(false)
    expect(isStreamId("abc")).toBe(false)
    expect(isStreamId("0123456789")).toBe(false)
  })
})
