import { NodeHttpClient } from "@effect/platform-node"
import { startEffectClient } from "./effect-loop.js"
import type { ClientAdapter } from "./types.js"

/** The stock Effect client on Node, with its default undici Agent, through the same `HttpClient` loop. */
export const adapter: ClientAdapter = {
  start: (target) => startEffectClient(NodeHttpClient.layerUndici, target)
}
