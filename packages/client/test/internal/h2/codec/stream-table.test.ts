/**
 * The client's streams (RFC 9113 §5.1): odd ids in order, the half-closed
 * states, and what is remembered of closed streams.
 */
import { describe, expect, it } from "vitest"
import { MAX_STREAM_ID, StreamTable } from "../../../../src/internal/h2/codec/stream-table.js"
import { ClosedBy, ClosedStreams, StreamState } from "../../../../src/internal/h2/codec/stream-state.js"

describe("StreamTable", () => {
  it("opens streams on odd ids in order, with their windows, and counts them", () => {
    const table = new StreamTable()
    expect(table.size).toBe(0)
    const a = table.open(false, 10, 20)
    const b = table.open(true, 30, 40)
    expect([a.id, b.id]).toEqual([1, 3])
    expect(a.state).toBe(StreamState.Open)
    expect(b.state).toBe(StreamState.HalfClosedLocal)
    expect([a.sendWindow, a.receive.window, b.sendWindow, b.receive.window]).toEqual([10, 20, 30, 40])
    expect(table.size).toBe(2)
    expect(table.get(1)).toBe(a)
    expect(table.get(2)).toBeUndefined()
    expect([...table.values()]).toEqual([a, b])
  })

  it("tells ids never opened: even ones, and from the next id on", () => {
    const table = new StreamTable()
    expect(table.isIdle(1)).toBe(true)
    table.open(false, 1, 1)
    expect(table.isIdle(1)).toBe(false)
    expect(table.isIdle(2)).toBe(true)
    expect(table.isIdle(3)).toBe(true)
    expect(table.isIdle(5)).toBe(true)
  })

  it("closes a stream once both sides ended, in either order, remembering how", () => {
    const table = new StreamTable()
    const a = table.open(false, 1, 1)
    table.endLocal(a)
    expect(a.state).toBe(StreamState.HalfClosedLocal)
    expect(a.writable).toBe(false)
    expect(a.readable).toBe(true)
    expect(table.size).toBe(1)
    table.endRemote(a)
    expect(table.size).toBe(0)
    expect(table.get(a.id)).toBeUndefined()
    expect(table.closedBy(a.id)).toBe(ClosedBy.EndStream)

    const b = table.open(false, 1, 1)
    table.endRemote(b)
    expect(b.state).toBe(StreamState.HalfClosedRemote)
    expect(b.writable).toBe(true)
    expect(b.readable).toBe(false)
    expect(table.size).toBe(1)
    table.endLocal(b)
    expect(table.size).toBe(0)
    expect(table.closedBy(b.id)).toBe(ClosedBy.EndStream)

    const c = table.open(false, 1, 1)
    table.close(c, ClosedBy.RemoteReset)
    expect(table.closedBy(c.id)).toBe(ClosedBy.RemoteReset)
  })

  it("is exhausted only once the largest id has been handed out", () => {
    const table = new StreamTable()
    expect(table.exhausted).toBe(false)
    // Reaching the last id by opening a billion streams is not a test: set the counter as opening would.
    Object.assign(table, { nextId: MAX_STREAM_ID })
    expect(table.exhausted).toBe(false)
    expect(table.open(true, 1, 1).id).toBe(MAX_STREAM_ID)
    expect(table.exhausted).toBe(true)
  })
})

describe("ClosedStreams", () => {
  it("remembers the most recent closes, forgets the oldest, and treats forgotten ones as our resets", () => {
    const closed = new ClosedStreams(2)
    closed.add(1, ClosedBy.EndStream)
    closed.add(3, ClosedBy.RemoteReset)
    expect([closed.get(1), closed.get(3)]).toEqual([ClosedBy.EndStream, ClosedBy.RemoteReset])
    closed.add(5, ClosedBy.EndStream)
    expect([closed.get(1), closed.get(3), closed.get(5)]).toEqual([
      ClosedBy.LocalReset,
      ClosedBy.RemoteReset,
      ClosedBy.EndStream
    ])
    expect(closed.get(7)).toBe(ClosedBy.LocalReset)
  })
})
