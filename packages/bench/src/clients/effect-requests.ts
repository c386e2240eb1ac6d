import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { ClientAdapter } from "./types.js"

/** The project's own client over HTTP/1.1, used the way an application would: through `HttpClient`. */
export const adapter: ClientAdapter = {
  start: (target) => startEffectClient(Requests.layer(effectRequestsOptions(target)), target)
}
