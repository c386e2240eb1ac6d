import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { ClientAdapter } from "./types.js"

/** The project's own client through the target's CONNECT proxy. */
export const adapter: ClientAdapter = {
  start: (target) => {
    if (target.proxy === undefined) throw new Error("effect-requests-proxy needs a scenario with a proxy")
    return startEffectClient(
      Requests.layer({ ...effectRequestsOptions(target), proxy: target.proxy }),
      target
    )
  }
}
