import type { ScenarioResult, VariantResult } from "../harness/runner.js"
import { http2MaxConcurrentStreams } from "../servers/nginx-config.js"

const sizeText = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`

const transportText: Record<ScenarioResult["transport"], string> = {
  http: "HTTP/1.1 in clear text",
  https: "HTTP/1.1 over TLS, each client trusting the test CA",
  h2: `HTTP/2 over TLS (ALPN h2), each client trusting the test CA; the server allows ${http2MaxConcurrentStreams} streams per connection and answers HTTP/1.1 with 505`,
  h2c: `HTTP/2 in clear text with prior knowledge; the server allows ${http2MaxConcurrentStreams} streams per connection`,
  alpn: `TLS where the server offers h2 and http/1.1 by ALPN and serves whichever the client negotiated, each client trusting the test CA; ${http2MaxConcurrentStreams} streams per HTTP/2 connection; each effect-requests client checks that the protocol it was meant to use carried every request`
}

/** One sentence on what a table measured, so that it reads on its own when pasted elsewhere. */
export const scenarioSetup = (scenario: ScenarioResult, variant: VariantResult): string => {
  const { exchange } = scenario
  const request =
    exchange.method === "PUT"
      ? `PUT of ${sizeText(exchange.requestBytes)}, answered ${exchange.expectedStatus} once the server read it all`
      : `GET of ${sizeText(exchange.expectedBytes)}`
  const isHttp1 = scenario.transport === "http" || scenario.transport === "https"
  const pool =
    scenario.transport === "alpn"
      ? `up to ${variant.connections} connection${variant.connections === 1 ? "" : "s"} per client where HTTP/1.1 carries the requests`
      : !isHttp1
        ? undefined
        : variant.pipelining > 1
          ? `at most ${variant.connections} connections with ${variant.pipelining} requests pipelined on each`
          : `up to ${variant.connections} connection${variant.connections === 1 ? "" : "s"} per client`
  const origins =
    scenario.origins > 1
      ? `requests rotate over ${scenario.origins} origins (ports of one server), with that pool per origin`
      : undefined
  const requests = `${variant.concurrency} request${variant.concurrency === 1 ? "" : "s"}`
  const shape =
    scenario.shape === "fresh-client"
      ? `each iteration builds a new client (an Effect client: its layer, in a new runtime), sends ${requests} at once to an origin it never saw, and closes it; latency runs from just before the client is built, and CPU includes building and closing it`
      : scenario.shape === "burst"
        ? `one warmed-up client per process sends ${requests} at once, waits for the last, and starts the next burst; p50 and p99 are those of a whole burst's wall time`
        : undefined
  const parts = [transportText[scenario.transport], request, pool, origins, shape].filter(
    (part) => part !== undefined
  )
  return `${parts.join("; ")}.`
}
