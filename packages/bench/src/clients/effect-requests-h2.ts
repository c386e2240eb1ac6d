import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { BenchOptions } from "./effect-requests-options.js"
import { expectProtocol } from "./effect-requests-protocol.js"
import type { ClientAdapter } from "./types.js"

const h2Adapter = (engine: "own" | "node"): ClientAdapter => ({
  start: (target) => {
    const options: BenchOptions = {
      ...effectRequestsOptions(target),
      protocol: target.transport === "h2c" ? "h2c" : "http2",
      h2: { engine }
    }
    // The HTTP/2-only listeners refuse HTTP/1.1 themselves; the one offering both does not.
    return startEffectClient(
      Requests.layer(options),
      target,
      target.transport === "alpn" ? { beforeClose: expectProtocol("h2") } : {}
    )
  }
})

/** The project's own client asked for HTTP/2: negotiated by ALPN over TLS, or h2c with prior knowledge. */
export const adapter: ClientAdapter = h2Adapter("own")

/** The same, with `node:http2` as its engine instead of its own. */
export const nodeEngineAdapter: ClientAdapter = h2Adapter("node")
