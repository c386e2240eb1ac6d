import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Agent } from "undici"

/**
 * What `NodeHttpClient.layerUndici` builds (a scoped undici `Agent`), with options: the test CA, or
 * `allowH2`. Without options it is the stock layer's dispatcher.
 */
export const dispatcherLayer = (options: Agent.Options): Layer.Layer<NodeHttpClient.Dispatcher> =>
  Layer.scoped(
    NodeHttpClient.Dispatcher,
    Effect.acquireRelease(
      Effect.sync(() => new Agent(options)),
      (agent) => Effect.promise(() => agent.destroy())
    )
  )
