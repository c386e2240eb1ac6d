import type { ClientId } from "./clients/registry.js"
import type { PhaseBudget } from "./clients/types.js"
import { resources } from "./servers/resources.js"
import type { Resource } from "./servers/resources.js"

export type Mode = "quick" | "full"

/**
 * Warm-up lasts long enough for V8 to finish optimising the hot path (below a few thousand requests the
 * JIT compiler threads still show in the CPU figures); the measured phase is time-bound so that every client
 * is exposed to the machine's noise for the same time.
 */
export interface Budget {
  readonly warmup: PhaseBudget
  readonly measure: PhaseBudget
}

export interface Variant {
  /** Short and file-name safe, e.g. "c50". */
  readonly id: string
  readonly concurrency: number
  readonly budget: Record<Mode, Budget>
}

/**
 * One row of the suite. Later scenarios (pipelining, HTTPS, HTTP/2, h2c, downloads, cold start) are new
 * entries; `protocol` says which kind of server they need.
 */
export interface Scenario {
  readonly id: string
  readonly title: string
  readonly protocol: "http/1.1"
  readonly resource: Resource
  readonly clients: ReadonlyArray<ClientId>
  readonly variants: ReadonlyArray<Variant>
}

export const rounds: Record<Mode, number> = { quick: 3, full: 5 }

const standardBudget: Record<Mode, Budget> = {
  quick: { warmup: { minRequests: 4_000, minMs: 500 }, measure: { minRequests: 500, minMs: 800 } },
  full: { warmup: { minRequests: 10_000, minMs: 2_000 }, measure: { minRequests: 2_000, minMs: 4_000 } }
}

const allHttp1Clients: ReadonlyArray<ClientId> = [
  "effect-requests",
  "undici-pool",
  "fetch",
  "node-http",
  "platform-node-undici",
  "floor"
]

export const scenarios: ReadonlyArray<Scenario> = [
  {
    id: "h1-keepalive-get-1k",
    title: "HTTP/1.1 keep-alive GET, 1 KiB body",
    protocol: "http/1.1",
    resource: resources["1k"],
    clients: allHttp1Clients,
    variants: [
      {
        id: "c50",
        concurrency: 50,
        budget: standardBudget
      },
      {
        id: "c1",
        concurrency: 1,
        budget: standardBudget
      }
    ]
  }
]
