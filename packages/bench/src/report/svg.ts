import type { ClientId } from "../clients/registry.js"
import type { ScenarioResult, VariantResult } from "../harness/runner.js"
import { formatNumber } from "./format.js"
import type { FigureKey } from "./format.js"

const width = 980
const labelWidth = 450
const barWidth = 420
const rowHeight = 22
const panelTitleHeight = 28
const panelGap = 18

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const color = (scenario: ScenarioResult, client: ClientId): string =>
  client.startsWith("effect-requests")
    ? "#7b3fe4"
    : client === scenario.floor
      ? "#9e9e9e"
      : client === scenario.baseline
        ? "#1f6fb2"
        : "#6fa8dc"

interface Panel {
  readonly scenario: ScenarioResult
  readonly title: string
  readonly variant: VariantResult
  readonly key: FigureKey
}

const panelHeight = (panel: Panel): number => panelTitleHeight + panel.variant.results.length * rowHeight

const drawPanel = (panel: Panel, top: number): string => {
  const values = panel.variant.results.map((result) => result.figures?.[panel.key].median)
  const largest = Math.max(...values.map((value) => value ?? 0), Number.MIN_VALUE)
  const rows = panel.variant.results.map((result, index) => {
    const y = top + panelTitleHeight + index * rowHeight
    const label = `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(result.label)}</text>`
    const value = values[index]
    if (value === undefined) {
      return `${label}<text x="${labelWidth}" y="${y + 15}" fill="#b00020">failed</text>`
    }
    const length = Math.max(1, (value / largest) * barWidth)
    return (
      `${label}<rect x="${labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="${rowHeight - 6}" ` +
      `fill="${color(panel.scenario, result.client)}"/>` +
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}">${formatNumber(value)}</text>`
    )
  })
  return [`<text x="8" y="${top + 18}" font-weight="bold">${escapeXml(panel.title)}</text>`, ...rows].join(
    "\n"
  )
}

/**
 * One horizontal bar chart per figure and concurrency: CPU and throughput for a long-lived client; CPU,
 * first-request latency and connections where each iteration builds a new client; CPU, burst wall time and
 * connections for bursts. Hand-written SVG keeps the suite dependency-free.
 */
export const scenarioSvg = (scenario: ScenarioResult, subtitle: string): string => {
  const panels: ReadonlyArray<Panel> = scenario.variants.flatMap((variant): ReadonlyArray<Panel> => {
    const panel = (key: FigureKey, what: string): Panel => ({
      scenario,
      title: `${variant.concurrency} concurrent: ${what}`,
      variant,
      key
    })
    const cpu = panel("cpuUsPerReq", "CPU µs per request (lower is better)")
    switch (scenario.shape) {
      case "steady":
        return [cpu, panel("reqPerSec", "requests per second (higher is better)")]
      case "fresh-client":
        return [
          cpu,
          panel("p50Us", "p50 latency µs from a new client (lower is better)"),
          panel("connections", "connections per new client")
        ]
      case "burst":
        return [
          cpu,
          panel("p50Us", "p50 wall time µs of a whole burst (lower is better)"),
          panel("connections", "connections per client")
        ]
    }
  })
  const titleHeight = 52
  const drawn: Array<string> = []
  let top = titleHeight
  for (const panel of panels) {
    drawn.push(drawPanel(panel, top))
    top += panelHeight(panel) + panelGap
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top}" viewBox="0 0 ${width} ${top}" ` +
      `font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="16" font-weight="bold">${escapeXml(scenario.title)}</text>`,
    `<text x="8" y="40" font-size="12" fill="#555555">${escapeXml(subtitle)}</text>`,
    ...drawn,
    "</svg>",
    ""
  ].join("\n")
}
