import { Requests } from "@effect-requests/client"
import type { EffectDriver } from "./effect-drivers.js"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { BenchOptions } from "./effect-requests-options.js"
import { expectProtocol } from "./effect-requests-protocol.js"
import type { ClientAdapter } from "./types.js"

/**
 * The project's own client held to HTTP/1.1, even where the server offers HTTP/2: the router's alternative,
 * and the HTTP/1.1 road on its own. `driver` says how its requests are issued.
 */
export const adapterWith = (driver: EffectDriver): ClientAdapter => ({
  start: (target) => {
    const options: BenchOptions = { ...effectRequestsOptions(target), protocol: "http1" }
    return startEffectClient(Requests.layer(options), target, {
      beforeClose: expectProtocol("http/1.1"),
      driver
    })
  }
})

/** Driven by worker fibers, as every Effect client of the bench. */
export const adapter: ClientAdapter = adapterWith("workers")
