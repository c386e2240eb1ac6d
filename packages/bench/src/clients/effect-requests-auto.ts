import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { BenchOptions } from "./effect-requests-options.js"
import { expectProtocol } from "./effect-requests-protocol.js"
import type { ClientAdapter } from "./types.js"

/**
 * The project's own client with the protocol left to the router, stated rather than defaulted so that a
 * change of default cannot change what this row measures. Where the server offers both protocols the router
 * must land on HTTP/2.
 */
export const adapter: ClientAdapter = {
  start: (target) => {
    const options: BenchOptions = { ...effectRequestsOptions(target), protocol: "auto" }
    return startEffectClient(
      Requests.layer(options),
      target,
      target.transport === "alpn" ? { beforeClose: expectProtocol("h2") } : {}
    )
  }
}
