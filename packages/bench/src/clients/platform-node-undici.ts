import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Layer from "effect/Layer"
import { startEffectClient } from "./effect-loop.js"
import { dispatcherLayer } from "./platform-node-dispatcher.js"
import type { ClientAdapter } from "./types.js"

/**
 * The stock Effect client on Node, through the same `HttpClient` loop: `layerUndici` as is in clear text,
 * and the same undici Agent trusting the test CA over TLS.
 */
export const adapter: ClientAdapter = {
  start: (target) =>
    startEffectClient(
      target.ca === undefined
        ? NodeHttpClient.layerUndici
        : NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
            Layer.provide(dispatcherLayer({ connect: { ca: target.ca } }))
          ),
      target
    )
}
