import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation, urls } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter } from "./types.js"

/**
 * Node's global `fetch` with its default dispatcher, which is what an application gets without any
 * dependency (it is the undici bundled with Node, reported as `process.versions.undici`). It takes no TLS
 * options, so the harness trusts the test CA through `NODE_EXTRA_CA_CERTS` in TLS scenarios.
 */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const nextUrl = rotation(urls(target))
    const body = requestBody(target)
    const init: RequestInit = body === undefined ? { method: target.method } : { method: target.method, body }
    const request = async (): Promise<void> => {
      const response = await fetch(nextUrl(), init)
      const received = await response.arrayBuffer()
      checkResponse(target, response.status, received.byteLength)
    }
    // The global dispatcher belongs to the process, which exits right after the run.
    return { run: promiseLoop(request), close: () => Promise.resolve() }
  }
}
