import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Layer from "effect/Layer"
import { startEffectClient } from "./effect-loop.js"
import { dispatcherLayer } from "./platform-node-dispatcher.js"
import type { ClientAdapter } from "./types.js"

/** `layerUndiciWithoutDispatcher` over an undici Agent with `allowH2`: the stock Effect client's HTTP/2. */
export const adapter: ClientAdapter = {
  start: (target) =>
    startEffectClient(
      NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
        Layer.provide(
          dispatcherLayer({
            allowH2: true,
            ...(target.ca === undefined ? {} : { connect: { ca: target.ca } })
          })
        )
      ),
      target
    )
}
