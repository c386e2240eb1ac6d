import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import type { ClientAdapter } from "./types.js"

/** The project's own client, used the way an application would: through `HttpClient`. */
export const adapter: ClientAdapter = {
  start: (target) => startEffectClient(Requests.layer(), target)
}
