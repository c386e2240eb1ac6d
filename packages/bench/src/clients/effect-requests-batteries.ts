import { Requests } from "@effect-requests/client"
import { startEffectClient } from "./effect-loop.js"
import { effectRequestsOptions } from "./effect-requests-options.js"
import type { ClientAdapter } from "./types.js"

/**
 * The project's own client over HTTP/1.1 as `Requests.layer` hands it out by default: with its batteries
 * (default headers, `Accept-Encoding` and decoding, redirects, retries) on. Its row beside
 * `effect-requests`, which has them off, is what the batteries cost on a plain GET.
 */
export const adapter: ClientAdapter = {
  start: (target) =>
    startEffectClient(Requests.layer({ ...effectRequestsOptions(target), batteries: true }), target)
}
