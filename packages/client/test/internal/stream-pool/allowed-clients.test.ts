import { describe, expect, it } from "@effect/vitest"
import { makeClientFilter } from "../../../src/internal/stream-pool/allowed-clients.js"

describe("allowed clients", () => {
  it("allows everyone when the list is empty", () => {
    expect(makeClientFilter([])("203.0.113.9")).toBe(true)
  })

  it("matches single addresses and CIDR blocks, IPv4 (also IPv4-mapped) and IPv6", () => {
    const allowed = makeClientFilter(["192.168.1.10", "10.0.0.0/8", "2001:db8::/32"])
    expect(allowed("192.168.1.10")).toBe(true)
    expect(allowed("192.168.1.11")).toBe(false)
    expect(allowed("10.255.0.1")).toBe(true)
    expect(allowed("::ffff:10.1.2.3")).toBe(true)
    expect(allowed("11.0.0.1")).toBe(false)
    expect(allowed("2001:db8:1::5")).toBe(true)
    expect(allowed("2001:db9::5")).toBe(false)
    expect(allowed(undefined)).toBe(false)
    expect(allowed("not an address")).toBe(false)
  })

  it("rejects entries that are neither an address nor a block", () => {
    expect(() => makeClientFilter(["example.com"])).toThrow(TypeError)
    expect(() => makeClientFilter(["10.0.0.0/33"])).toThrow(TypeError)
  })
})
