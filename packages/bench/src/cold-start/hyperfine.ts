/** Runs hyperfine over whole processes and reads its JSON export. */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { join } from "node:path"

/** One command's figures, in milliseconds. */
export interface Timing {
  readonly name: string
  readonly medianMs: number
  readonly meanMs: number
  readonly stddevMs: number
  readonly minMs: number
  readonly maxMs: number
  readonly userMs: number
  readonly systemMs: number
  readonly runs: number
}

/** hyperfine on PATH or in /usr/bin (Debian's package), else `undefined`. */
export const findExecutable = (name: string): string | undefined => {
  for (const dir of [...(process.env["PATH"] ?? "").split(":"), "/usr/bin", "/usr/local/bin"]) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}

interface HyperfineResult {
  readonly command: string
  readonly mean: number
  readonly stddev: number | null
  readonly median: number
  readonly user: number
  readonly system: number
  readonly min: number
  readonly max: number
  readonly times: ReadonlyArray<number>
}

const isResults = (value: unknown): value is { readonly results: ReadonlyArray<HyperfineResult> } =>
  typeof value === "object" && value !== null && "results" in value && Array.isArray(value.results)

/** A shell word, for hyperfine's `--shell=none` splitting. */
const quote = (word: string): string =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`

export interface HyperfineRun {
  readonly hyperfine: string
  readonly warmup: number
  readonly runs: number
  readonly commands: ReadonlyArray<{ readonly name: string; readonly argv: ReadonlyArray<string> }>
  /** Where the JSON export goes. */
  readonly json: string
}

/**
 * Times every command with hyperfine, without a shell. hyperfine runs each command's warm-ups and
 * runs back to back, so a slow drift of a shared machine weighs on the commands in their order.
 */
export const hyperfine = async (run: HyperfineRun): Promise<ReadonlyArray<Timing>> => {
  const args = [
    "--shell=none",
    "--warmup",
    String(run.warmup),
    "--runs",
    String(run.runs),
    "--export-json",
    run.json,
    "--style",
    "basic"
  ]
  for (const command of run.commands)
    args.push("--command-name", command.name, command.argv.map(quote).join(" "))
  await new Promise<void>((resolve, reject) => {
    const child = execFile(run.hyperfine, args, { maxBuffer: 64 * 1024 * 1024 }, (error) =>
      error === null ? resolve() : reject(error)
    )
    child.stderr?.pipe(process.stderr)
  })
  const parsed: unknown = JSON.parse(await readFile(run.json, "utf8"))
  if (!isResults(parsed)) throw new Error(`unexpected hyperfine export in ${run.json}`)
  return parsed.results.map((result, index) => ({
    name: run.commands[index]?.name ?? result.command,
    medianMs: result.median * 1000,
    meanMs: result.mean * 1000,
    stddevMs: (result.stddev ?? 0) * 1000,
    minMs: result.min * 1000,
    maxMs: result.max * 1000,
    userMs: result.user * 1000,
    systemMs: result.system * 1000,
    runs: result.times.length
  }))
}
