import got, { type Got } from "got"
import * as http from "node:http"
import * as https from "node:https"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation, urls } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter, Target } from "./types.js"

/** One request of the scenario through a got instance, rotating over the target's URLs. */
export const gotRequest = (client: Got, target: Target): (() => Promise<void>) => {
  const nextUrl = rotation(urls(target))
  const body = requestBody(target)
  return async () => {
    const response = await client(nextUrl(), {
      method: target.method,
      responseType: "buffer",
      ...(body === undefined ? {} : { body })
    })
    checkResponse(target, response.statusCode, response.body.byteLength)
  }
}

/** got over HTTP/1.1 with keep-alive agents sized like every other client's pool; retries off, as for all. */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const sockets = { keepAlive: true, maxSockets: target.connections }
    const agent = {
      http: new http.Agent(sockets),
      https: new https.Agent({ ...sockets, ...(target.ca === undefined ? {} : { ca: target.ca }) })
    }
    const client = got.extend({
      agent,
      retry: { limit: 0 },
      ...(target.ca === undefined ? {} : { https: { certificateAuthority: target.ca } })
    })
    return {
      run: promiseLoop(gotRequest(client, target)),
      close: async () => {
        agent.http.destroy()
        agent.https.destroy()
      }
    }
  }
}
