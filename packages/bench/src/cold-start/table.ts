/** The cold-start scenario's report: the timings as a table, the targets checked, the profiles. */
import type { Timing } from "./hyperfine.js"
import type { Row, Target } from "./rows.js"

export interface ColdStartReport {
  readonly date: string
  readonly machine: string
  readonly server: string
  readonly warmup: number
  readonly runs: number
  readonly rows: ReadonlyArray<Row>
  readonly timings: ReadonlyArray<Timing>
  readonly targets: ReadonlyArray<Target>
  /** Markdown of the start-up profiles, by program. */
  readonly profiles: ReadonlyArray<{ readonly title: string; readonly markdown: string }>
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1))

const byName = (timings: ReadonlyArray<Timing>, name: string): Timing | undefined =>
  timings.find((timing) => timing.name === name)

/** The table of whole-process times, each median also divided by the fetch script's. */
export const timingTable = (rows: ReadonlyArray<Row>, timings: ReadonlyArray<Timing>): string => {
  const fetch = byName(timings, "fetch")
  const lines = [
    "| command | median ms | mean ± σ ms | user + sys CPU ms | ÷ fetch (median) |",
    "|:--|--:|--:|--:|--:|"
  ]
  for (const row of rows) {
    const timing = byName(timings, row.id)
    if (timing === undefined) continue
    const ratio = fetch === undefined ? "" : (timing.medianMs / fetch.medianMs).toFixed(2)
    lines.push(
      `| ${row.label} | ${ms(timing.medianMs)} | ${ms(timing.meanMs)} ± ${ms(timing.stddevMs)} | ` +
        `${ms(timing.userMs + timing.systemMs)} | ${ratio} |`
    )
  }
  return lines.join("\n")
}

/** Each target as met or not, from the medians of this run. */
export const targetLines = (
  rows: ReadonlyArray<Row>,
  timings: ReadonlyArray<Timing>,
  targets: ReadonlyArray<Target>
): ReadonlyArray<string> =>
  targets.map((target) => {
    const label = (id: string) => rows.find((row) => row.id === id)?.label ?? id
    const row = byName(timings, target.row)
    const against = byName(timings, target.against)
    if (row === undefined || against === undefined) return `- ${label(target.row)}: not measured`
    const ratio = row.medianMs / against.medianMs
    return (
      `- ${label(target.row)} ≤ ${target.ratio}× ${label(target.against)}: ` +
      `${ratio.toFixed(2)}× (${ms(row.medianMs)} against ${ms(against.medianMs)} ms), ` +
      `${ratio <= target.ratio ? "met" : "not met"}`
    )
  })

export const reportMarkdown = (report: ColdStartReport): string =>
  [
    "# Cold start: whole processes, one GET of 1 KiB from a loopback server",
    "",
    `${report.date}, ${report.machine}. Server: ${report.server}. hyperfine, ${report.warmup} warm-ups then ` +
      `${report.runs} runs per command, one command after the other; medians.`,
    "",
    timingTable(report.rows, report.timings),
    "",
    "Targets (medians of this run):",
    "",
    ...targetLines(report.rows, report.timings, report.targets),
    "",
    ...report.profiles.flatMap((profile) => [
      `## Start-up profile: ${profile.title}`,
      "",
      profile.markdown,
      ""
    ])
  ].join("\n")
