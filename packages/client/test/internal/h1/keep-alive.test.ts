/**
 * The `Keep-Alive` response header: what the pool takes from it, and what it
 * ignores rather than trusts.
 */
import { describe, expect, it } from "vitest"
import { parseKeepAlive } from "../../../src/internal/h1/keep-alive.js"

describe("parseKeepAlive", () => {
  it("reads timeout (seconds, kept in ms) and max, in any order, case and spacing", () => {
    expect(parseKeepAlive("timeout=5, max=100")).toEqual({ timeout: 5000, max: 100 })
    expect(parseKeepAlive(" MAX = 3 ,Timeout= 0")).toEqual({ timeout: 0, max: 3 })
    expect(parseKeepAlive("timeout=999999999")).toEqual({ timeout: 999999999000, max: undefined })
  })

  it("ignores what it does not know or cannot read", () => {
    expect(parseKeepAlive("")).toEqual({ timeout: undefined, max: undefined })
    expect(parseKeepAlive("timeout, max")).toEqual({ timeout: undefined, max: undefined })
    expect(parseKeepAlive("timeout=, max= ")).toEqual({ timeout: undefined, max: undefined })
    expect(parseKeepAlive("timeout=-1, max=1e3")).toEqual({ timeout: undefined, max: undefined })
    expect(parseKeepAlive("timeout=5s, max=0x10")).toEqual({ timeout: undefined, max: undefined })
    expect(parseKeepAlive("timeout=/, max=:")).toEqual({ timeout: undefined, max: undefined })
    // Ten digits: more than anyone means, and past what is safe to multiply into ms.
    expect(parseKeepAlive("timeout=1000000000, max=7")).toEqual({ timeout: undefined, max: 7 })
    expect(parseKeepAlive("idle=5, timeout=2")).toEqual({ timeout: 2000, max: undefined })
    expect(parseKeepAlive("=5")).toEqual({ timeout: undefined, max: undefined })
  })

  it("a later parameter of the same name wins", () => {
    expect(parseKeepAlive("timeout=1, timeout=2")).toEqual({ timeout: 2000, max: undefined })
  })
})
