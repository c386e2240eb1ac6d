import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Layer from "effect/Layer"
import { startEffectClient } from "./effect-loop.js"
import type { ClientAdapter } from "./types.js"

/**
 * `NodeHttpClient.layerWithoutAgent` (node:http and node:https underneath) given keep-alive agents sized like
 * every other client's pool; the stock `agentLayer` does not keep connections alive.
 */
export const adapter: ClientAdapter = {
  start: (target) =>
    startEffectClient(
      NodeHttpClient.layerWithoutAgent.pipe(
        Layer.provide(
          NodeHttpClient.makeAgentLayer({
            keepAlive: true,
            maxSockets: target.connections,
            ...(target.ca === undefined ? {} : { ca: target.ca })
          })
        )
      ),
      target
    )
}
