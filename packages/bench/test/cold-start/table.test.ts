import { describe, expect, it } from "vitest"
import type { Timing } from "../../src/cold-start/hyperfine.js"
import { rows, targets } from "../../src/cold-start/rows.js"
import { targetLines, timingTable } from "../../src/cold-start/table.js"

const timing = (name: string, medianMs: number): Timing => ({
  name,
  medianMs,
  meanMs: medianMs + 1,
  stddevMs: 2,
  minMs: medianMs - 1,
  maxMs: medianMs + 5,
  userMs: medianMs / 2,
  systemMs: medianMs / 10,
  runs: 10
})

describe("cold-start report", () => {
  const table = rows("/usr/bin/curl")
  const timings = [
    timing("curl", 10),
    timing("fetch", 200),
    timing("effect-requests", 290),
    timing("ereq", 250),
    timing("import-platform", 400),
    timing("import-client", 460)
  ]

  it("lists every measured row with its median divided by the fetch script's", () => {
    const lines = timingTable(table, timings).split("\n")
    expect(lines).toHaveLength(2 + timings.length)
    expect(lines[2]).toBe("| `curl -s URL` | 10.0 | 11.0 ± 2.0 | 6.0 | 0.05 |")
    expect(lines.find((line) => line.startsWith("| `ereq"))).toContain("| 250 | 251 ± 2.0 | 150 | 1.25 |")
  })

  it("checks each target against this run's medians", () => {
    expect(targetLines(table, timings, targets)).toEqual([
      expect.stringMatching(/1\.15× \(460 against 400 ms\), not met$/),
      expect.stringMatching(/1\.45× \(290 against 200 ms\), met$/),
      expect.stringMatching(/1\.25× \(250 against 200 ms\), not met$/)
    ])
    expect(targetLines(table, [timing("fetch", 200)], targets)[2]).toMatch(/not measured$/)
  })

  it("leaves curl out where it is not installed", () => {
    expect(rows(undefined).map((row) => row.id)).not.toContain("curl")
  })
})
