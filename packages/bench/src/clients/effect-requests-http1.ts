import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { BenchOptions } from "./effect-requests-options.js"
import { expectProtocol } from "./effect-requests-protocol.js"
import type { ClientAdapter } from "./types.js"

/** The project's own client held to HTTP/1.1, even where the server offers HTTP/2: the router's alternative. */
export const adapter: ClientAdapter = {
  start: (target) => {
    const options: BenchOptions = { ...effectRequestsOptions(target), protocol: "http1" }
    return startEffectClient(Requests.layer(options), target, expectProtocol("http/1.1"))
  }
}
