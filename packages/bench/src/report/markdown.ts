import { clients } from "../clients/registry.js"
import type { ClientResult, ScenarioResult, VariantResult } from "../harness/runner.js"
import { sampleFigures } from "../harness/runner.js"
import { median, spread } from "../harness/stats.js"
import type { Comparison } from "../scenarios.js"
import { formatCount, formatNumber, formatRatio, ratios, shortReason } from "./format.js"
import type { FigureKey } from "./format.js"
import { scenarioSetup } from "./setup.js"
import type { BenchReport } from "./types.js"

const columns: ReadonlyArray<{ readonly key: FigureKey; readonly title: string }> = [
  { key: "reqPerSec", title: "req/s" },
  { key: "cpuUsPerReq", title: "CPU µs/req" },
  { key: "p50Us", title: "p50 µs" },
  { key: "p99Us", title: "p99 µs" },
  { key: "peakRssMiB", title: "peak RSS MiB" }
]

/** Where a latency is a whole burst's, the column says so. */
const columnTitle = (scenario: ScenarioResult, key: FigureKey, title: string): string =>
  scenario.shape === "burst" && (key === "p50Us" || key === "p99Us") ? `burst ${title}` : title

export const escapeCell = (text: string): string => text.replace(/\|/g, "\\|")

const row = (scenario: ScenarioResult, variant: VariantResult, result: ClientResult): string => {
  const figures = result.figures
  if (figures === undefined) {
    const reason = `failed: ${shortReason(result.failure ?? "no successful round")}`
    return `| ${result.label} | ${escapeCell(reason)} |${" – |".repeat(columns.length + 1)}`
  }
  const cells = columns.map(({ key }) => {
    const { toBaseline, toFloor } = ratios(scenario, variant, result, key)
    return `${formatNumber(figures[key].median)} (${formatRatio(toBaseline)}, ${formatRatio(toFloor)})`
  })
  const noise = `${Math.round(spread(figures.cpuUsPerReq) * 100)}% / ${Math.round(spread(figures.reqPerSec) * 100)}%`
  return `| ${result.label} | ${cells.join(" | ")} | ${formatCount(figures.connections.median)} | ${noise} |`
}

const budgetLine = (scenario: ScenarioResult, variant: VariantResult): string => {
  const { warmup, measure } = variant.budget
  const unit = scenario.shape === "fresh-client" ? "first requests" : "requests"
  return (
    `Each round: warm-up of at least ${warmup.minRequests.toLocaleString("en-US")} ${unit} and ` +
    `${warmup.minMs} ms, then at least ${measure.minMs} ms measured; median of ${variant.rounds} ` +
    `round${variant.rounds === 1 ? "" : "s"}.`
  )
}

const variantSection = (scenario: ScenarioResult, variant: VariantResult): string => {
  const connectionsTitle = scenario.shape === "fresh-client" ? "conns per client" : "conns"
  const titles = columns.map((column) => columnTitle(scenario, column.key, column.title))
  const header = `| client | ${titles.join(" | ")} | ${connectionsTitle} | spread CPU / req/s |`
  const align = `|:--|${columns.map(() => "--:").join("|")}|--:|--:|`
  const warnings = variant.results.flatMap((result) =>
    result.warnings.map((warning) => `- ${result.label}: ${warning}`)
  )
  return [
    `### ${scenario.title}, ${variant.concurrency} concurrent`,
    "",
    `${scenarioSetup(scenario, variant)} ${budgetLine(scenario, variant)}`,
    "",
    `Ratios: ÷ ${clients[scenario.baseline].label}, ÷ ${clients[scenario.floor].label}.`,
    "",
    header,
    align,
    ...variant.results.map((result) => row(scenario, variant, result)),
    ...(scenario.comparisons ?? []).flatMap((comparison) => {
      const line = comparisonLine(scenario, variant, comparison)
      return line === undefined ? [] : ["", line]
    }),
    ...(warnings.length > 0 ? ["", "Warnings:", "", ...warnings] : [])
  ].join("\n")
}

const figureTitles: Record<Comparison["figure"], string> = {
  cpuUsPerReq: "CPU µs/req",
  p50Us: "p50 µs",
  p99Us: "p99 µs"
}

/**
 * The ratio of two clients' figures within each round, where the two ran one after the other, and how many
 * rounds bear out the claim if there is one; absent unless both clients have samples.
 */
export const comparisonLine = (
  scenario: ScenarioResult,
  variant: VariantResult,
  comparison: Comparison
): string | undefined => {
  const samplesOf = (client: Comparison["client"]) =>
    variant.results.find((result) => result.client === client && result.failure === undefined)?.samples ?? []
  const numerators = samplesOf(comparison.client)
  const denominators = samplesOf(comparison.against)
  const perSample = sampleFigures[comparison.figure]
  const ratiosByRound = numerators.flatMap((sample, round) => {
    const against = denominators[round]
    return against === undefined ? [] : [perSample(sample) / perSample(against)]
  })
  if (ratiosByRound.length === 0) return undefined
  const ratiosText =
    `${clients[comparison.client].label} ÷ ${clients[comparison.against].label}, ` +
    `${columnTitle(scenario, comparison.figure, figureTitles[comparison.figure])}, round by round: ` +
    `${ratiosByRound.map((ratio) => ratio.toFixed(3)).join(", ")}; ` +
    `median ${median(ratiosByRound).toFixed(3)}, range ${Math.min(...ratiosByRound).toFixed(3)}–` +
    `${Math.max(...ratiosByRound).toFixed(3)}.`
  const { claim } = comparison
  if (claim === undefined) return ratiosText
  const holding = ratiosByRound.filter((ratio) => ratio < claim.below).length
  return (
    `${ratiosText} Claim: ${claim.text} (ratio below ${claim.below}): ` +
    `holds in ${holding} of ${ratiosByRound.length} rounds.`
  )
}

const legend = [
  "Cells read `median (÷ undici, ÷ floor)`, where undici is undici's client for the scenario's protocol " +
    "(`Pool` for HTTP/1.1, `allowH2` for HTTP/2) and the floor is a loop no client can beat (a raw socket " +
    "for HTTP/1.1, one node:http2 session for HTTP/2); each table names both. The protocol router's tables " +
    "divide by the client it is weighed against instead of undici.",
  "req/s: higher is better. CPU µs/req: user + system CPU of the client process over the measured requests, " +
    "divided by their number; lower is better, and it is the figure a shared machine disturbs least.",
  "p50/p99: per-request latency inside the client, queueing included; with a fresh client per iteration it " +
    "runs from just before the client is built; in burst tables it is a whole burst's wall time. Peak RSS: " +
    "the client process's maximum resident set, start and warm-up included. conns: connections the server " +
    "accepted from the client process (per client instance where each iteration builds one). spread: " +
    "(max − min) / median across rounds."
].join("\n\n")

export const markdown = (report: BenchReport): string => {
  const { environment: env } = report
  const packages = Object.entries(env.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ")
  const load = (values: ReadonlyArray<number>): string => values.map((value) => value.toFixed(2)).join(" / ")
  const header = [
    "# effect-requests benchmarks",
    "",
    `- Date: ${env.date}`,
    `- Machine: ${env.machine.cpu}, ${env.machine.cores} cores, ${env.machine.memoryGiB} GiB, ${env.machine.os}`,
    `- Node ${env.machine.node} (bundled undici ${env.machine.nodeUndici})`,
    `- Packages: ${packages}; git ${env.git}`,
    `- Server: ${report.server.description}, separate process, 127.0.0.1` +
      (report.server.note === undefined ? "" : ` — ${report.server.note}`),
    `- Client processes: ${report.build.note}`,
    `- Mode: ${report.mode}, ${report.rounds} round${report.rounds === 1 ? "" : "s"}; each client runs in a fresh process, round-robin across clients`,
    ...(report.skipped.length > 0 ? [`- Not run (${report.mode} mode): ${report.skipped.join(", ")}`] : []),
    `- Load average (1/5/15 min): ${load(report.loadAverage.before)} before, ${load(report.loadAverage.after)} after`,
    `- Duration: ${Math.round(report.durationSeconds)} s`,
    "",
    legend
  ]
  const sections = report.scenarios.flatMap((scenario) => [
    `## ${scenario.title}`,
    ...scenario.variants.map((variant) => variantSection(scenario, variant))
  ])
  return [...header, "", ...sections.flatMap((section) => [section, ""])].join("\n")
}
