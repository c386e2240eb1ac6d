/**
 * Flow-control windows (RFC 9113 §5.2, §6.9): what the peer may send, when
 * consumed bytes are announced back, and where a send window overflows.
 */
import { describe, expect, it } from "vitest"
import { MAX_WINDOW_SIZE } from "../../../../src/internal/h2/codec/frame.js"
import { ReceiveWindow, growSendWindow } from "../../../../src/internal/h2/codec/flow-control.js"

describe("ReceiveWindow", () => {
  it("accepts up to the window exactly, and refuses one byte more without counting it", () => {
    const w = new ReceiveWindow(100)
    expect(w.window).toBe(100)
    expect(w.receive(60)).toBe(true)
    expect(w.window).toBe(40)
    expect(w.receive(41)).toBe(false)
    expect(w.window).toBe(40)
    expect(w.receive(40)).toBe(true)
    expect(w.window).toBe(0)
    expect(w.receive(1)).toBe(false)
  })

  it("announces consumed bytes once half the target is owed, all of them at once, and reopens the window by as much", () => {
    const w = new ReceiveWindow(100)
    w.receive(100)
    expect(w.consume(0)).toBe(0)
    expect(w.consume(49)).toBe(0)
    expect(w.window).toBe(0)
    expect(w.consume(1)).toBe(50)
    expect(w.window).toBe(50)
    expect(w.consume(30)).toBe(0)
    expect(w.consume(30)).toBe(60)
    expect(w.window).toBe(110)
  })

  it("announces nothing for nothing consumed, even with a zero target", () => {
    const w = new ReceiveWindow(0)
    expect(w.consume(0)).toBe(0)
    expect(w.window).toBe(0)
    expect(w.consume(1)).toBe(1)
  })
})

describe("growSendWindow", () => {
  it("adds up to 2^31-1 exactly, fails past it, and may go negative", () => {
    expect(growSendWindow(0, MAX_WINDOW_SIZE)).toBe(MAX_WINDOW_SIZE)
    expect(growSendWindow(1, MAX_WINDOW_SIZE)).toBeUndefined()
    expect(growSendWindow(MAX_WINDOW_SIZE, 0)).toBe(MAX_WINDOW_SIZE)
    expect(growSendWindow(10, -30)).toBe(-20)
  })
})
