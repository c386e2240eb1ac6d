import { promiseLoop } from "./promise-loop.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter } from "./types.js"

/**
 * Node's global `fetch` with its default dispatcher, which is what an application gets without any
 * dependency (it is the undici bundled with Node, reported as `process.versions.undici`).
 */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const request = async (): Promise<void> => {
      const response = await fetch(target.url)
      const body = await response.arrayBuffer()
      checkResponse(target, response.status, body.byteLength)
    }
    // The global dispatcher belongs to the process, which exits right after the run.
    return { run: promiseLoop(request), close: () => Promise.resolve() }
  }
}
