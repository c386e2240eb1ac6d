import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DynamicTable, ENTRY_OVERHEAD } from "../../../../src/internal/h2/codec/hpack-dynamic-table.js"
import { STATIC_TABLE_LENGTH } from "../../../../src/internal/h2/codec/hpack-static-table.js"

/** The table as RFC 7541 §2.3.2 and §4 describe it: a list, newest first, trimmed from the end to fit. */
class Model {
  entries: Array<readonly [string, string]> = []
  constructor(public maxSize: number) {}
  get size(): number {
    return this.entries.reduce((sum, [n, v]) => sum + n.length + v.length + ENTRY_OVERHEAD, 0)
  }
  evict(): void {
    while (this.size > this.maxSize) this.entries.pop()
  }
  add(name: string, value: string): void {
    this.entries.unshift([name, value])
    if (name.length + value.length + ENTRY_OVERHEAD > this.maxSize) this.entries = []
    this.evict()
  }
  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize
    this.evict()
  }
  find(name: string, value: string): number {
    const full = this.entries.findIndex(([n, v]) => n === name && v === value)
    if (full >= 0) return STATIC_TABLE_LENGTH + full + 1
    const named = this.entries.findIndex(([n]) => n === name)
    return named >= 0 ? -(STATIC_TABLE_LENGTH + named + 1) : 0
  }
}

type Op =
  | { readonly _tag: "add"; readonly name: string; readonly value: string }
  | { readonly _tag: "resize"; readonly size: number }

// Few distinct names and values, so that entries repeat and shadow one another.
const name = fc.constantFrom("a", "b", "cc", "ddd")
const value = fc.oneof(fc.constantFrom("", "1", "22"), fc.string({ maxLength: 60 }))
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ _tag: fc.constant("add" as const), name, value }) },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("resize" as const), size: fc.integer({ min: 0, max: 600 }) })
  }
)

describe("HPACK dynamic table against a model", () => {
  it("holds the entries, size and lookups of the list the RFC describes, through insertions, evictions and growth", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.array(op, { maxLength: 120 }), (initial, ops) => {
        const table = new DynamicTable(initial, true)
        const model = new Model(initial)
        for (const o of ops) {
          if (o._tag === "add") {
            table.add(o.name, o.value)
            model.add(o.name, o.value)
          } else {
            table.setMaxSize(o.size)
            model.setMaxSize(o.size)
          }
          expect(table.length).toBe(model.entries.length)
          expect(table.size).toBe(model.size)
          expect(table.maxSize).toBe(model.maxSize)
          model.entries.forEach(([n, v], i) => {
            expect(table.name(i + 1)).toBe(n)
            expect(table.value(i + 1)).toBe(v)
          })
          expect(table.name(model.entries.length + 1)).toBeUndefined()
          expect(table.name(0)).toBeUndefined()
          for (const n of ["a", "b", "cc", "ddd"]) {
            for (const v of ["", "1", "22", o._tag === "add" ? o.value : "x"]) {
              expect(table.find(n, v), `find(${n}, ${JSON.stringify(v)})`).toBe(model.find(n, v))
            }
          }
        }
      }),
      { numRuns: 200 }
    )
  })

  it("keeps every entry across growth of its ring", () => {
    const table = new DynamicTable(1 << 20, false)
    for (let i = 0; i < 200; i++) table.add(`n${i}`, `v${i}`)
    for (let k = 1; k <= 200; k++) {
      expect(table.name(k)).toBe(`n${200 - k}`)
      expect(table.value(k)).toBe(`v${200 - k}`)
    }
  })

  it("knows no entry 0, even once the ring has wrapped", () => {
    const table = new DynamicTable(2 * (ENTRY_OVERHEAD + 3), false)
    for (let i = 0; i < 40; i++) table.add(`n${i % 10}`, "v")
    expect(table.length).toBe(2)
    expect(table.name(0)).toBeUndefined()
    expect(table.name(-1)).toBeUndefined()
  })

  it("keeps finding a field whose older copy was evicted", () => {
    const table = new DynamicTable(3 * (ENTRY_OVERHEAD + 2), true)
    table.add("a", "1")
    table.add("a", "1")
    table.add("a", "2")
    table.add("b", "1") // evicts the older a: 1
    expect(table.find("a", "1")).toBe(STATIC_TABLE_LENGTH + 3)
    expect(table.find("a", "2")).toBe(STATIC_TABLE_LENGTH + 2)
    table.add("b", "2") // evicts the newer a: 1
    expect(table.find("a", "1")).toBe(-(STATIC_TABLE_LENGTH + 3))
    table.add("b", "3") // evicts a: 2, the last a
    expect(table.find("a", "2")).toBe(0)
    expect(table.find("a", "x")).toBe(0)
  })

  it("holds an entry of exactly its maximum size", () => {
    const table = new DynamicTable(ENTRY_OVERHEAD + 8, false)
    table.add("x", "y")
    table.add("a", "1234567")
    expect(table.length).toBe(1)
    expect(table.size).toBe(ENTRY_OVERHEAD + 8)
    expect(table.name(1)).toBe("a")
  })
})
