import type { Profiler } from "node:inspector"
import { describe, expect, it } from "vitest"
import { shortFile, summarize, summaryMarkdown } from "../../src/profile/summary.js"

const frame = (id: number, functionName: string, url: string, children: ReadonlyArray<number> = []) => ({
  id,
  // One line per function name, so that both `feed` frames are the same function.
  callFrame: { functionName, url, lineNumber: functionName.length, columnNumber: 0, scriptId: "1" },
  children: [...children]
})

const effectFile = "file:///w/node_modules/effect/dist/esm/internal/fiberRuntime.js"
const parserFile = "file:///w/packages/client/dist/h1/response-parser.js"

/** root → runLoop → feed → feed (recursion), and root → GC, root → idle; 10 µs between samples. */
const profile: Profiler.Profile = {
  nodes: [
    frame(1, "(root)", "", [2, 5, 6]),
    frame(2, "runLoop", effectFile, [3]),
    frame(3, "feed", parserFile, [4]),
    frame(4, "feed", parserFile),
    frame(5, "(garbage collector)", ""),
    frame(6, "(idle)", "")
  ],
  startTime: 0,
  endTime: 70,
  samples: [2, 3, 4, 4, 5, 6, 6, 2],
  timeDeltas: [0, 10, 10, 10, 10, 10, 10, 10]
}

describe("CPU profile summary", () => {
  const summary = summarize(profile)

  it("groups self time by where the function lives", () => {
    expect(Object.fromEntries(summary.groups.map((entry) => [entry.group, entry.selfUs]))).toEqual({
      "Effect runtime": 10,
      "effect-requests client": 30,
      GC: 10,
      idle: 20
    })
  })

  it("counts a recursive function's total once per sample", () => {
    const feed = summary.functions.find((entry) => entry.name.startsWith("feed "))
    expect(feed).toMatchObject({ selfUs: 30, totalUs: 30, group: "effect-requests client" })
    const runLoop = summary.functions.find((entry) => entry.name.startsWith("runLoop "))
    expect(runLoop).toMatchObject({ selfUs: 10, totalUs: 40 })
  })

  it("names files from their package on", () => {
    expect(shortFile(parserFile)).toBe("client/dist/h1/response-parser.js")
    expect(shortFile(effectFile)).toBe("effect/dist/esm/internal/fiberRuntime.js")
    expect(shortFile("node:net")).toBe("node:net")
  })

  it("gives shares of busy time and microseconds per request, idle left out", () => {
    const text = summaryMarkdown(summary, 2)
    expect(text).toContain("Busy (not idle) time sampled: 0 ms over 2 requests, 25.00 µs/req.")
    expect(text).toContain("| effect-requests client | 60.0% | 15.00 |")
    expect(text).not.toContain("| idle |")
  })
})
