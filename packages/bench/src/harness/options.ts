import { clients, isClientId } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import { rounds as defaultRounds, scenarios } from "../scenarios.js"
import type { Mode, Scenario } from "../scenarios.js"
import type { ServerChoice } from "../servers/start.js"

export interface Options {
  readonly mode: Mode
  readonly rounds: number
  readonly clients: ReadonlyArray<ClientId>
  readonly scenarios: ReadonlyArray<Scenario>
  readonly server: ServerChoice
}

export const usage = `usage: tsx src/main.ts [--quick | --full] [--rounds N] [--clients a,b] [--scenario id] [--server auto|nginx|node]
  clients:   ${Object.keys(clients).join(", ")}
  scenarios: ${scenarios.map((scenario) => scenario.id).join(", ")}`

const list = (value: string): ReadonlyArray<string> => value.split(",").filter((entry) => entry !== "")

export const parseOptions = (argv: ReadonlyArray<string>): Options => {
  let mode: Mode = "quick"
  let rounds: number | undefined
  let selectedClients: ReadonlyArray<ClientId> = Object.keys(clients).filter(isClientId)
  let selectedScenarios = scenarios
  let server: ServerChoice = "auto"
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
        const ids = list(value())
        selectedScenarios = scenarios.filter((scenario) => ids.includes(scenario.id))
        if (selectedScenarios.length !== ids.length)
          throw new Error(`unknown scenario in ${ids.join(", ")}\n${usage}`)
        break
      }
      case "--server": {
        const choice = value()
        if (choice !== "auto" && choice !== "nginx" && choice !== "node")
          throw new Error(`bad --server\n${usage}`)
        server = choice
        break
      }
      default:
        throw new Error(`unknown argument ${flag}\n${usage}`)
    }
  }
  return {
    mode,
    rounds: rounds ?? defaultRounds[mode],
    clients: selectedClients,
    scenarios: selectedScenarios,
    server
  }
}
