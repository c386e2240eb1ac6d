import type { Profiler } from "node:inspector"

/** Where a sample's function lives, the way a hot-path review reads a profile. */
export type Group =
  | "Effect runtime"
  | "@effect/platform"
  | "effect-requests client"
  | "undici"
  | "bench harness"
  | "node internals"
  | "V8 builtins and native"
  | "GC"
  | "idle"

const groupOf = (functionName: string, url: string): Group => {
  if (functionName === "(garbage collector)") return "GC"
  if (functionName === "(idle)") return "idle"
  if (url.includes("/node_modules/effect/")) return "Effect runtime"
  if (url.includes("/node_modules/@effect/")) return "@effect/platform"
  if (url.includes("/packages/client/")) return "effect-requests client"
  if (url.includes("/node_modules/undici/")) return "undici"
  if (url.includes("/packages/bench/")) return "bench harness"
  if (url.startsWith("node:") || url.startsWith("internal/")) return "node internals"
  return "V8 builtins and native"
}

/** A file path short enough for a table: from the package directory on. */
export const shortFile = (url: string): string => {
  if (url === "") return "(native)"
  const markers = ["/node_modules/", "/packages/"]
  for (const marker of markers) {
    const at = url.lastIndexOf(marker)
    if (at >= 0) return url.slice(at + marker.length)
  }
  return url.replace(/^file:\/\//, "")
}

export interface Entry {
  readonly name: string
  readonly group: Group
  /** Microseconds on top of the stack. */
  readonly selfUs: number
  /** Microseconds anywhere on the stack (counted once per sample however often it recurs). */
  readonly totalUs: number
}

export interface Summary {
  /** Sampled time, idle included. */
  readonly sampledUs: number
  readonly groups: ReadonlyArray<{ readonly group: Group; readonly selfUs: number }>
  readonly files: ReadonlyArray<Entry>
  readonly functions: ReadonlyArray<Entry>
}

interface Keys {
  readonly fn: string
  readonly file: string
  readonly group: Group
}

const keysOf = (node: Profiler.ProfileNode): Keys => {
  const { functionName, url, lineNumber } = node.callFrame
  const file = shortFile(url)
  const name = functionName === "" ? "(anonymous)" : functionName
  return {
    fn: url === "" ? name : `${name} ${file}:${lineNumber + 1}`,
    file,
    group: groupOf(functionName, url)
  }
}

class Tally {
  readonly self = new Map<string, number>()
  readonly total = new Map<string, number>()
  readonly groups = new Map<string, Group>()

  add(key: string, group: Group, us: number, onTop: boolean, seen: Set<string>): void {
    this.groups.set(key, group)
    if (onTop) this.self.set(key, (this.self.get(key) ?? 0) + us)
    if (seen.has(key)) return
    seen.add(key)
    this.total.set(key, (this.total.get(key) ?? 0) + us)
  }

  entries(): ReadonlyArray<Entry> {
    return [...this.total.keys()]
      .map((name) => ({
        name,
        group: this.groups.get(name) ?? "V8 builtins and native",
        selfUs: this.self.get(name) ?? 0,
        totalUs: this.total.get(name) ?? 0
      }))
      .sort((a, b) => b.selfUs - a.selfUs)
  }
}

/** Self and total time per function, per file and per group, from a V8 CPU profile's samples. */
export const summarize = (profile: Profiler.Profile): Summary => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const functions = new Tally()
  const files = new Tally()
  const groups = new Map<Group, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let sampledUs = 0
  samples.forEach((id, index) => {
    // A sample's time is the gap to the next one; the last sample has none.
    const us = deltas[index + 1] ?? 0
    sampledUs += us
    const seenFunctions = new Set<string>()
    const seenFiles = new Set<string>()
    let onTop = true
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)
      if (node === undefined || node.callFrame.functionName === "(root)") break
      const keys = keysOf(node)
      if (onTop) groups.set(keys.group, (groups.get(keys.group) ?? 0) + us)
      functions.add(keys.fn, keys.group, us, onTop, seenFunctions)
      files.add(keys.file, keys.group, us, onTop, seenFiles)
      onTop = false
    }
  })
  return {
    sampledUs,
    groups: [...groups.entries()]
      .map(([group, selfUs]) => ({ group, selfUs }))
      .sort((a, b) => b.selfUs - a.selfUs),
    files: files.entries(),
    functions: functions.entries()
  }
}

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`

/**
 * Markdown tables of a summary: shares of busy time (idle left out) and microseconds per request, so that
 * two profiles of different lengths compare directly.
 */
export const summaryMarkdown = (summary: Summary, requests: number, top = 40): string => {
  const idle = summary.groups.find((entry) => entry.group === "idle")?.selfUs ?? 0
  const busy = summary.sampledUs - idle
  const perRequest = (us: number): string => (us / requests).toFixed(2)
  const table = (title: string, entries: ReadonlyArray<Entry>): ReadonlyArray<string> => [
    `| ${title} | group | self | self µs/req | total | total µs/req |`,
    "|:--|:--|--:|--:|--:|--:|",
    ...entries
      .slice(0, top)
      .map(
        (entry) =>
          `| ${entry.name.replace(/\|/g, "\\|")} | ${entry.group} | ${percent(entry.selfUs, busy)} | ` +
          `${perRequest(entry.selfUs)} | ${percent(entry.totalUs, busy)} | ${perRequest(entry.totalUs)} |`
      )
  ]
  return [
    `Busy (not idle) time sampled: ${(busy / 1000).toFixed(0)} ms over ${requests.toLocaleString("en-US")} ` +
      `requests, ${perRequest(busy)} µs/req. Shares are of busy time.`,
    "",
    "| group | self | self µs/req |",
    "|:--|--:|--:|",
    ...summary.groups
      .filter((entry) => entry.group !== "idle")
      .map((entry) => `| ${entry.group} | ${percent(entry.selfUs, busy)} | ${perRequest(entry.selfUs)} |`),
    "",
    ...table(
      "file",
      summary.files.filter((entry) => entry.group !== "idle")
    ),
    "",
    ...table(
      "function",
      summary.functions.filter((entry) => entry.group !== "idle")
    )
  ].join("\n")
}
