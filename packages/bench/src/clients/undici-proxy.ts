import { ProxyAgent, request } from "undici"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation, urls } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter } from "./types.js"

/** undici's `ProxyAgent`: a CONNECT tunnel per connection, pooled as its `Agent` pools. */
export const adapter: ClientAdapter = {
  start: async (target) => {
    if (target.proxy === undefined) throw new Error("undici-proxy needs a scenario with a proxy")
    const dispatcher = new ProxyAgent({
      uri: target.proxy,
      connections: target.connections,
      pipelining: target.pipelining,
      ...(target.ca === undefined ? {} : { requestTls: { ca: target.ca } })
    })
    const nextUrl = rotation(urls(target))
    const body = requestBody(target)
    const send = async (): Promise<void> => {
      const response = await request(nextUrl(), { method: target.method, body: body ?? null, dispatcher })
      const received = await response.body.arrayBuffer()
      checkResponse(target, response.statusCode, received.byteLength)
    }
    return {
      run: promiseLoop(send),
      close: () => dispatcher.close()
    }
  }
}
