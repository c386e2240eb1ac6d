/**
 * Flood limits (RFC 9113 §10.5): each kind counted on its own, in fixed
 * windows of the caller's clock.
 */
import { describe, expect, it } from "vitest"
import { type FloodKind, FloodGuard } from "../../../../src/internal/h2/codec/flood-guard.js"

/** How many frames of `kind` at time `now` pass before the guard objects. */
const allowed = (guard: FloodGuard, kind: FloodKind, now: number): number => {
  let n = 0
  while (!guard.hit(kind, now)) n++
  return n
}

describe("FloodGuard", () => {
  it("has the documented defaults per window", () => {
    const defaults = { settings: 32, pings: 64, resets: 256, emptyData: 256 } as const
    for (const kind of Object.keys(defaults) as Array<FloodKind>) {
      expect(allowed(new FloodGuard(), kind, 0)).toBe(defaults[kind])
    }
  })

  it("takes limits per kind, keeping the defaults for the others", () => {
    const limits = { settings: 1, pings: 2, resets: 3, emptyData: 4 } as const
    for (const kind of Object.keys(limits) as Array<FloodKind>) {
      expect(allowed(new FloodGuard(limits), kind, 0)).toBe(limits[kind])
    }
    expect(allowed(new FloodGuard({ pings: 5 }), "settings", 0)).toBe(32)
  })

  it("counts each kind apart", () => {
    const guard = new FloodGuard({ settings: 2, pings: 2 })
    expect(guard.hit("settings", 0)).toBe(false)
    expect(guard.hit("pings", 0)).toBe(false)
    expect(guard.hit("settings", 0)).toBe(false)
    expect(guard.hit("pings", 0)).toBe(false)
    expect(guard.hit("settings", 0)).toBe(true)
  })

  it("starts a new count when a window has passed, and not a moment before", () => {
    const guard = new FloodGuard({ windowMillis: 1000, pings: 2 })
    expect(allowed(guard, "pings", 5000)).toBe(2)
    expect(guard.hit("pings", 5999)).toBe(true)
    // A new window resets every kind's count, from the moment it starts.
    expect(allowed(guard, "pings", 6000)).toBe(2)
    expect(guard.hit("pings", 6999)).toBe(true)
    expect(allowed(guard, "pings", 7000)).toBe(2)
  })

  it("defaults to one-second windows", () => {
    const guard = new FloodGuard({ settings: 1 })
    expect(guard.hit("settings", 0)).toBe(false)
    expect(guard.hit("settings", 999)).toBe(true)
    expect(guard.hit("settings", 1000)).toBe(false)
  })

  it("a new window resets the other kinds too", () => {
    const guard = new FloodGuard({ settings: 1, resets: 1 })
    guard.hit("resets", 0)
    expect(guard.hit("settings", 1000)).toBe(false)
    expect(guard.hit("resets", 1000)).toBe(false)
  })
})
