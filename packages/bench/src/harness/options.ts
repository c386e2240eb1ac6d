import { isIP } from "node:net"
import { fileURLToPath } from "node:url"
import { clients, isClientId } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import { rounds as defaultRounds, scenarios } from "../scenarios.js"
import type { Mode, Scenario, Variant } from "../scenarios.js"
import type { ServerChoice } from "../servers/start.js"

export interface PlannedScenario {
  readonly scenario: Scenario
  readonly variants: ReadonlyArray<Variant>
}

export interface Options {
  readonly mode: Mode
  readonly rounds: number
  readonly clients: ReadonlyArray<ClientId>
  readonly planned: ReadonlyArray<PlannedScenario>
  /** `scenario variant` pairs left out of this run, for the report. */
  readonly skipped: ReadonlyArray<string>
  readonly server: ServerChoice
  /** nginx in this network namespace, listening on `address` (see scripts/latency.sh). */
  readonly serverNetns: { readonly netns: string; readonly host: string } | undefined
  readonly outDir: string
}

/**
 * A full run writes where the project README links to; a quick run, or one limited to some scenarios or
 * clients, writes to a git-ignored directory, so that it never replaces the full run's committed results.
 */
const defaultOutDir: Record<Mode | "partial", string> = {
  full: fileURLToPath(new URL("../../results", import.meta.url)),
  quick: fileURLToPath(new URL("../../results/tmp/quick", import.meta.url)),
  partial: fileURLToPath(new URL("../../results/tmp/partial", import.meta.url))
}

export const usage = `usage: tsx src/main.ts [--quick | --full] [--rounds N] [--clients a,b] [--scenario a,b] [--server auto|nginx|node] [--server-netns name --server-address ip] [--out dir]
  --quick runs the variants marked quick; --scenario runs every variant of the scenarios named.
  --server-netns runs nginx inside that network namespace on --server-address (scripts/latency.sh).
  clients:   ${Object.keys(clients).join(", ")}
  scenarios: ${scenarios.map((scenario) => scenario.id).join(", ")}`

const list = (value: string): ReadonlyArray<string> => value.split(",").filter((entry) => entry !== "")

const plan = (mode: Mode, named: ReadonlyArray<string> | undefined): Pick<Options, "planned" | "skipped"> => {
  const planned: Array<PlannedScenario> = []
  const skipped: Array<string> = []
  for (const scenario of scenarios) {
    const wanted = (variant: Variant): boolean =>
      named === undefined ? mode === "full" || variant.quick : named.includes(scenario.id)
    const variants = scenario.variants.filter(wanted)
    skipped.push(
      ...scenario.variants
        .filter((variant) => !wanted(variant))
        .map((variant) => `${scenario.id} ${variant.id}`)
    )
    if (variants.length > 0) planned.push({ scenario, variants })
  }
  return { planned, skipped }
}

export const parseOptions = (argv: ReadonlyArray<string>): Options => {
  let mode: Mode = "quick"
  let rounds: number | undefined
  let selectedClients: ReadonlyArray<ClientId> = Object.keys(clients).filter(isClientId)
  let named: ReadonlyArray<string> | undefined
  let server: ServerChoice = "auto"
  let outDir: string | undefined
  let netns: string | undefined
  let address: string | undefined
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]
    const value = (): string => {
      const next = argv[++index]
      if (next === undefined) throw new Error(`${flag} needs a value\n${usage}`)
      return next
    }
    switch (flag) {
      case "--quick":
      case "--full":
        mode = flag === "--quick" ? "quick" : "full"
        break
      case "--rounds":
        rounds = Number(value())
        if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer`)
        break
      case "--clients": {
        const names = list(value())
        const unknown = names.filter((name) => !isClientId(name))
        if (unknown.length > 0) throw new Error(`unknown clients: ${unknown.join(", ")}\n${usage}`)
        selectedClients = names.filter(isClientId)
        break
      }
      case "--scenario": {
        named = list(value())
        const unknown = named.filter((id) => !scenarios.some((scenario) => scenario.id === id))
        if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(", ")}\n${usage}`)
        break
      }
      case "--server": {
        const choice = value()
        if (choice !== "auto" && choice !== "nginx" && choice !== "node")
          throw new Error(`bad --server\n${usage}`)
        server = choice
        break
      }
      case "--out":
        outDir = value()
        break
      case "--server-netns":
        netns = value()
        break
      case "--server-address":
        address = value()
        if (isIP(address) === 0) throw new Error(`--server-address must be an IP address\n${usage}`)
        break
      default:
        throw new Error(`unknown argument ${flag}\n${usage}`)
    }
  }
  if ((netns === undefined) !== (address === undefined))
    throw new Error(`--server-netns and --server-address go together\n${usage}`)
  return {
    mode,
    rounds: rounds ?? defaultRounds[mode],
    clients: selectedClients,
    ...plan(mode, named),
    server,
    serverNetns: netns === undefined || address === undefined ? undefined : { netns, host: address },
    outDir:
      outDir ??
      defaultOutDir[
        mode === "full" && (named !== undefined || selectedClients.length < Object.keys(clients).length)
          ? "partial"
          : mode
      ]
  }
}
