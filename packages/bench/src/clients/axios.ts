import axios from "axios"
import * as http from "node:http"
import * as https from "node:https"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation, urls } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter } from "./types.js"

/** axios's Node adapter with keep-alive agents sized like every other client's pool. */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const sockets = { keepAlive: true, maxSockets: target.connections }
    const httpAgent = new http.Agent(sockets)
    const httpsAgent = new https.Agent({ ...sockets, ...(target.ca === undefined ? {} : { ca: target.ca }) })
    const client = axios.create({
      httpAgent,
      httpsAgent,
      responseType: "arraybuffer",
      // Limits off and no redirects: axios then sends through node:http directly, like the other clients.
      maxBodyLength: Number.POSITIVE_INFINITY,
      maxContentLength: Number.POSITIVE_INFINITY,
      maxRedirects: 0
    })
    const nextUrl = rotation(urls(target))
    const body = requestBody(target)
    const request = async (): Promise<void> => {
      const response = await client.request<ArrayBuffer>({
        url: nextUrl(),
        method: target.method,
        data: body
      })
      checkResponse(target, response.status, response.data.byteLength)
    }
    return {
      run: promiseLoop(request),
      close: async () => {
        httpAgent.destroy()
        httpsAgent.destroy()
      }
    }
  }
}
