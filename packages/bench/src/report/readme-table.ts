import { clients } from "../clients/registry.js"
import type { ClientResult, ScenarioResult, VariantResult } from "../harness/runner.js"
import { formatCount, formatNumber, formatRatio, ratios, shortReason } from "./format.js"
import type { FigureKey } from "./format.js"
import { escapeCell } from "./markdown.js"
import type { BenchReport } from "./types.js"

/** Where the charts are, seen from the repository's root README. */
const resultsPath = "packages/bench/results"

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

/** Every client of any variant, in the scenario's order, with its figures for each variant side by side. */
const scenarioTable = (scenario: ScenarioResult): string => {
  const fresh = scenario.shape === "fresh-client"
  const headers = scenario.variants.flatMap((variant) => [
    `${variant.concurrency} conc. CPU µs/req`,
    `${variant.concurrency} conc. req/s`,
    ...(fresh ? [`${variant.concurrency} conc. conns per client`] : [])
  ])
  const listed = [
    ...new Set(scenario.variants.flatMap((variant) => variant.results.map((result) => result.client)))
  ]
  const rows = listed.map((client) => {
    const cells = scenario.variants.flatMap((variant) => {
      const result = variant.results.find((entry) => entry.client === client)
      if (result === undefined) return fresh ? ["–", "–", "–"] : ["–", "–"]
      if (result.figures === undefined) {
        const failed = escapeCell(`failed: ${shortReason(result.failure ?? "no successful round", 60)}`)
        return fresh ? [failed, "–", "–"] : [failed, "–"]
      }
      return [
        cell(scenario, variant, result, "cpuUsPerReq"),
        cell(scenario, variant, result, "reqPerSec"),
        ...(fresh ? [formatCount(result.figures.connections.median)] : [])
      ]
    })
    return `| ${clients[client].label} | ${cells.join(" | ")} |`
  })
  return [
    `**${scenario.title}** ([chart](${resultsPath}/${scenario.id}.svg); ratios ÷ ${clients[scenario.baseline].label}, ÷ ${clients[scenario.floor].label})`,
    "",
    `| client | ${headers.join(" | ")} |`,
    `|:--|${headers.map(() => "--:").join("|")}|`,
    ...rows
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
      "no client beats (raw socket for HTTP/1.1, one node:http2 session for HTTP/2). Lower CPU µs/req and " +
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
