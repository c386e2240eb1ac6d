import { clients } from "../clients/registry.js"
import type { ClientResult, ScenarioResult, VariantResult } from "../harness/runner.js"
import { formatCount, formatNumber, formatRatio, ratios, shortReason } from "./format.js"
import type { FigureKey } from "./format.js"
import { comparisonLine, escapeCell } from "./markdown.js"
import type { BenchReport } from "./types.js"

/** Where the charts are, seen from packages/bench/README.md, where the table is pasted. */
const resultsPath = "results"

const cell = (
  scenario: ScenarioResult,
  variant: VariantResult,
  result: ClientResult,
  key: FigureKey
): string => {
  const value = result.figures?.[key].median
  if (value === undefined) return "–"
  const { toBaseline, toFloor } = ratios(scenario, variant, result, key)
  return `${formatNumber(value)} (${formatRatio(toBaseline)}, ${formatRatio(toFloor)})`
}

/** What each shape is read by: throughput for a long-lived client, else handshakes' cost or a burst's wait. */
const shapeColumns: Record<
  ScenarioResult["shape"],
  ReadonlyArray<{ readonly key: FigureKey; readonly title: string; readonly count?: boolean }>
> = {
  steady: [
    { key: "cpuUsPerReq", title: "CPU µs/req" },
    { key: "reqPerSec", title: "req/s" }
  ],
  "fresh-client": [
    { key: "cpuUsPerReq", title: "CPU µs/req" },
    { key: "reqPerSec", title: "req/s" },
    { key: "connections", title: "conns per client", count: true }
  ],
  burst: [
    { key: "cpuUsPerReq", title: "CPU µs/req" },
    { key: "p50Us", title: "burst p50 µs" },
    { key: "p99Us", title: "burst p99 µs" },
    { key: "connections", title: "conns", count: true }
  ]
}

/**
 * Every client of any variant, in the scenario's order, with its figures for each variant side by side, then
 * the scenario's round-by-round comparisons.
 */
const scenarioTable = (scenario: ScenarioResult): string => {
  const columns = shapeColumns[scenario.shape]
  const headers = scenario.variants.flatMap((variant) =>
    columns.map((column) => `${variant.concurrency} conc. ${column.title}`)
  )
  const listed = [
    ...new Set(scenario.variants.flatMap((variant) => variant.results.map((result) => result.client)))
  ]
  const rows = listed.map((client) => {
    const cells = scenario.variants.flatMap((variant) => {
      const result = variant.results.find((entry) => entry.client === client)
      const dashes = columns.map(() => "–")
      if (result === undefined) return dashes
      const figures = result.figures
      if (figures === undefined) {
        const failed = escapeCell(`failed: ${shortReason(result.failure ?? "no successful round", 60)}`)
        return [failed, ...dashes.slice(1)]
      }
      return columns.map((column) =>
        column.count === true
          ? formatCount(figures[column.key].median)
          : cell(scenario, variant, result, column.key)
      )
    })
    return `| ${clients[client].label} | ${cells.join(" | ")} |`
  })
  // Ratios measured within a round say more than two medians on a shared machine.
  const comparisons = scenario.variants.flatMap((variant) =>
    (scenario.comparisons ?? []).flatMap((comparison) => {
      const line = comparisonLine(scenario, variant, comparison)
      return line === undefined ? [] : [`- ${variant.concurrency} conc.: ${line}`]
    })
  )
  return [
    `**${scenario.title}** ([chart](${resultsPath}/${scenario.id}.svg); ratios ÷ ${clients[scenario.baseline].label}, ÷ ${clients[scenario.floor].label})`,
    "",
    `| client | ${headers.join(" | ")} |`,
    `|:--|${headers.map(() => "--:").join("|")}|`,
    ...rows,
    ...(comparisons.length > 0 ? ["", ...comparisons] : [])
  ].join("\n")
}

/**
 * The compact summary for the project README's performance section: when, where and with what it ran,
 * then per scenario each client's CPU per request and throughput, as ratios to undici and to the floor.
 */
export const readmeTable = (report: BenchReport): string => {
  const { environment: env } = report
  const versions = Object.entries(env.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ")
  const [headline] = report.scenarios
  return [
    `Latest ${report.mode} run: ${env.date.slice(0, 10)}, ${env.machine.cpu} (${env.machine.cores} cores, ` +
      `${env.machine.os}), Node ${env.machine.node}; ${versions}. Server: ${report.server.description}` +
      `${report.server.note === undefined ? "" : ` (${report.server.note})`}, in its own process on 127.0.0.1. ` +
      `Median of ${report.rounds} rounds, every client in its own process; took ${(report.durationSeconds / 60).toFixed(1)} min.`,
    "",
    "Cells read `median (÷ undici, ÷ floor)`: undici is undici's client for the protocol, the floor a loop " +
      "no client beats (raw socket for HTTP/1.1, one node:http2 session for HTTP/2); the protocol router's " +
      "tables divide by the client it is weighed against instead. Lower CPU µs/req and " +
      "higher req/s are better. Full tables with latency, memory and connections: " +
      `[${resultsPath}/latest.md](${resultsPath}/latest.md).`,
    "",
    ...(headline === undefined ? [] : [`![${headline.title}](${resultsPath}/${headline.id}.svg)`, ""]),
    ...report.scenarios.flatMap((scenario) => [scenarioTable(scenario), ""]),
    "Reproduce: `npm ci && npm run bench` from the repository root (nginx is used when installed, else a " +
      "Node server; no network needed). `npm run bench:quick` runs a subset in under 2 minutes.",
    ""
  ].join("\n")
}
