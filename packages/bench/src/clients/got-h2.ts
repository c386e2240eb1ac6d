import got from "got"
import { loadHttp2Wrapper } from "./got-http2-wrapper.js"
import { promiseLoop } from "./promise-loop.js"
import { gotRequest } from "./got.js"
import type { ClientAdapter } from "./types.js"

const wrapper = loadHttp2Wrapper()

/** got with `http2: true` (ALPN over TLS only), with its own http2-wrapper agent; retries off, as for all. */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const agent = new wrapper.Agent()
    const client = got.extend({
      http2: true,
      agent: { http2: agent },
      retry: { limit: 0 },
      ...(target.ca === undefined ? {} : { https: { certificateAuthority: target.ca } })
    })
    return {
      run: promiseLoop(gotRequest(client, target)),
      close: async () => {
        agent.destroy()
        // The ALPN answers are cached per origin for the whole process; a fresh client must not inherit them.
        wrapper.auto.protocolCache.clear()
      }
    }
  }
}
