import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { markdown } from "./markdown.js"
import { readmeTable } from "./readme-table.js"
import { scenarioSvg } from "./svg.js"
import type { BenchReport } from "./types.js"

/** Writes latest.json, latest.md, README-table.md and one SVG per scenario; returns the written paths. */
export const writeReport = async (report: BenchReport, directory: string): Promise<ReadonlyArray<string>> => {
  await mkdir(directory, { recursive: true })
  const { machine } = report.environment
  // The server's name only: its full description is in latest.md and would not fit on the chart.
  const server = report.server.description.split(" (")[0] ?? report.server.kind
  const subtitle =
    `${report.environment.date.slice(0, 10)} · ${machine.cpu}, ${machine.cores} cores · Node ${machine.node} · ` +
    `${server}${report.server.kind === "nginx+node" ? " + Node" : ""} server · ${report.mode}, median of ` +
    `${report.rounds} rounds`
  const files: Array<[string, string]> = [
    ["latest.json", `${JSON.stringify(report, null, 2)}\n`],
    ["latest.md", markdown(report)],
    ["README-table.md", readmeTable(report)],
    ...report.scenarios.map((scenario): [string, string] => [
      `${scenario.id}.svg`,
      scenarioSvg(scenario, subtitle)
    ])
  ]
  for (const [name, content] of files) await writeFile(join(directory, name), content)
  return files.map(([name]) => join(directory, name))
}
