import { isTls } from "../clients/types.js"
import type { Origin, Target } from "../clients/types.js"
import type { Scenario, Variant } from "../scenarios.js"
import { transportPort } from "../servers/types.js"
import type { BenchServer } from "../servers/types.js"

const scheme = (scenario: Scenario): string => (isTls(scenario.transport) ? "https" : "http")

const origin = (server: BenchServer, scenario: Scenario, port: number): Origin => ({
  origin: `${scheme(scenario)}://${server.host}:${port}`,
  host: server.host,
  port
})

/** The ports a scenario's requests go to: uploads have their own listener, many origins the HTTP ports. */
const ports = (server: BenchServer, scenario: Scenario): ReadonlyArray<number> => {
  if (scenario.exchange.method === "PUT") return [server.listeners.upload]
  if (scenario.origins === 1) return [transportPort(server.listeners, scenario.transport)]
  if (scenario.transport !== "http")
    throw new Error(`${scenario.id}: several origins need clear-text HTTP/1.1`)
  if (scenario.origins > server.listeners.http.length) {
    throw new Error(
      `${scenario.id}: ${scenario.origins} origins, the server has ${server.listeners.http.length}`
    )
  }
  return server.listeners.http.slice(0, scenario.origins)
}

export const targetFor = (server: BenchServer, scenario: Scenario, variant: Variant): Target => ({
  transport: scenario.transport,
  origins: ports(server, scenario).map((port) => origin(server, scenario, port)),
  ...scenario.exchange,
  concurrency: variant.concurrency,
  connections: variant.connections,
  pipelining: variant.pipelining,
  ca: isTls(scenario.transport) ? server.ca : undefined,
  ...(server.resolveTo === undefined ? {} : { resolveTo: server.resolveTo }),
  ...(scenario.proxied === true ? { proxy: proxyOf(server, scenario) } : {})
})

const proxyOf = (server: BenchServer, scenario: Scenario): string => {
  if (server.proxy === undefined) throw new Error(`${scenario.id}: no proxy was started`)
  return server.proxy
}
