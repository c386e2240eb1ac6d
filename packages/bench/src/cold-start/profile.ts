/** A V8 CPU profile of one whole process, from start to exit (`node --cpu-prof`), summarized. */
import { execFile } from "node:child_process"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import type { Profiler } from "node:inspector"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Entry, summarize } from "../profile/summary.js"

const isProfile = (value: unknown): value is Profiler.Profile =>
  typeof value === "object" && value !== null && "nodes" in value && Array.isArray(value.nodes)

/** Runs `argv` (a node command) under the sampling profiler, every `intervalUs`, and reads the profile. */
export const profileProcess = async (
  argv: ReadonlyArray<string>,
  intervalUs = 200
): Promise<Profiler.Profile> => {
  const [node, ...rest] = argv
  if (node === undefined) throw new Error("nothing to profile")
  const dir = await mkdtemp(join(tmpdir(), "cold-start-profile-"))
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        node,
        ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", String(intervalUs), ...rest],
        (error) => (error === null ? resolve() : reject(error))
      )
    )
    const [file] = (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile"))
    if (file === undefined) throw new Error("node wrote no .cpuprofile")
    const parsed: unknown = JSON.parse(await readFile(join(dir, file), "utf8"))
    if (!isProfile(parsed)) throw new Error(`not a CPU profile: ${file}`)
    return parsed
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const msOf = (us: number): string => (us / 1000).toFixed(1)

/**
 * Where a start goes: busy time by group, then the files and functions with the most self time.
 * Module loading shows as node's `modules/esm` and `modules/cjs` internals, `compileSourceTextModule`
 * and the file-system calls under them.
 */
export const profileMarkdown = (profile: Profiler.Profile, top = 15): string => {
  const summary = summarize(profile)
  const idle = summary.groups.find((entry) => entry.group === "idle")?.selfUs ?? 0
  const busy = summary.sampledUs - idle
  const share = (us: number): string => `${((100 * us) / busy).toFixed(1)}%`
  const table = (title: string, entries: ReadonlyArray<Entry>): ReadonlyArray<string> => [
    `| ${title} | group | self ms | self | total ms |`,
    "|:--|:--|--:|--:|--:|",
    ...entries
      .filter((entry) => entry.group !== "idle")
      .slice(0, top)
      .map(
        (entry) =>
          `| ${entry.name.replace(/\|/g, "\\|")} | ${entry.group} | ${msOf(entry.selfUs)} | ${share(entry.selfUs)} | ` +
          `${msOf(entry.totalUs)} |`
      )
  ]
  const moduleLoading = summary.files
    .filter((entry) => entry.name.startsWith("node:internal/modules/"))
    .reduce((sum, entry) => sum + entry.selfUs, 0)
  return [
    `Busy (not idle) time sampled: ${msOf(busy)} ms; node's module loader's own code: ${msOf(moduleLoading)} ms ` +
      "(its file-system calls and compilation come on top, as native entries).",
    "",
    "| group | self ms | self |",
    "|:--|--:|--:|",
    ...summary.groups
      .filter((entry) => entry.group !== "idle")
      .map((entry) => `| ${entry.group} | ${msOf(entry.selfUs)} | ${share(entry.selfUs)} |`),
    "",
    ...table("file", summary.files),
    "",
    ...table("function", summary.functions)
  ].join("\n")
}
