import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ErrorCode } from "../../../../src/internal/h2/codec/error-codes.js"
import { HeaderBlock } from "../../../../src/internal/h2/codec/header-block.js"

const bytes = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff)

describe("HeaderBlock", () => {
  it("is open from start to finish, for the stream and END_STREAM of its HEADERS frame", () => {
    const block = new HeaderBlock(1024, 4)
    expect(block.open).toBe(false)
    expect(block.start(5, true, bytes(3, 1))).toBeUndefined()
    expect(block.open).toBe(true)
    expect(block.streamId).toBe(5)
    expect(block.endStream).toBe(true)
    expect(block.finish()).toEqual(bytes(3, 1))
    expect(block.open).toBe(false)
    block.start(7, false, new Uint8Array(0))
    expect(block.endStream).toBe(false)
    expect(block.finish()).toEqual(new Uint8Array(0))
  })

  it("joins the fragments in order, whatever their sizes, past its initial buffer", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1 }),
        (sizes, reuse) => {
          const block = new HeaderBlock(1 << 20, 16)
          if (reuse === 1) {
            block.start(1, false, bytes(6000, 9))
            block.finish()
          }
          const fragments = sizes.map((n, i) => bytes(n, i))
          expect(block.start(3, false, fragments[0]!)).toBeUndefined()
          for (const f of fragments.slice(1)) expect(block.continue(f)).toBeUndefined()
          expect(Buffer.from(block.finish())).toEqual(Buffer.concat(fragments))
        }
      )
    )
  })

  it("takes a block of exactly its byte cap, and refuses one byte more", () => {
    const block = new HeaderBlock(10_000, 4)
    expect(block.start(1, false, bytes(6000, 1))).toBeUndefined()
    expect(block.continue(bytes(4000, 2))).toBeUndefined()
    expect(block.finish()).toHaveLength(10_000)
    block.start(3, false, bytes(6000, 1))
    const error = block.continue(bytes(4001, 2))
    expect(error).toMatchObject({ code: ErrorCode.ENHANCE_YOUR_CALM, reason: "HeaderBlockTooLarge" })
    expect(error?.detail).toBe("field block of stream 3 over 10000 bytes")
    expect(new HeaderBlock(100, 4).start(1, false, bytes(101, 0))?.reason).toBe("HeaderBlockTooLarge")
  })

  it("takes its cap of CONTINUATION frames, and refuses one more", () => {
    const block = new HeaderBlock(1024, 3)
    block.start(9, false, bytes(1, 0))
    for (let i = 0; i < 3; i++) expect(block.continue(bytes(1, i))).toBeUndefined()
    const error = block.continue(bytes(1, 0))
    expect(error).toMatchObject({ code: ErrorCode.ENHANCE_YOUR_CALM, reason: "ContinuationFlood" })
    expect(error?.detail).toBe("field block of stream 9 in over 3 CONTINUATION frames")
  })

  it("counts CONTINUATION frames and bytes afresh for each block", () => {
    const block = new HeaderBlock(100, 2)
    block.start(1, false, bytes(60, 0))
    block.continue(bytes(20, 0))
    block.continue(bytes(20, 0))
    block.finish()
    expect(block.start(3, false, bytes(60, 1))).toBeUndefined()
    expect(block.continue(bytes(20, 2))).toBeUndefined()
    expect(block.continue(bytes(20, 3))).toBeUndefined()
    expect(Buffer.from(block.finish())).toEqual(Buffer.concat([bytes(60, 1), bytes(20, 2), bytes(20, 3)]))
  })

  it("grows its buffer no further than its cap", () => {
    const block = new HeaderBlock(5000, 4)
    block.start(1, false, bytes(4000, 1))
    expect(block.continue(bytes(1000, 2))).toBeUndefined()
    expect(Buffer.from(block.finish())).toEqual(Buffer.concat([bytes(4000, 1), bytes(1000, 2)]))
  })
})
