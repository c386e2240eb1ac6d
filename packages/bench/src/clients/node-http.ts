import * as http from "node:http"
import * as https from "node:https"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter, Target } from "./types.js"

interface Transport {
  readonly agent: http.Agent
  readonly request: typeof http.request
}

const transport = (target: Target): Transport => {
  const options = { keepAlive: true, maxSockets: target.connections }
  return target.transport === "https"
    ? {
        agent: new https.Agent({ ...options, ...(target.ca === undefined ? {} : { ca: target.ca }) }),
        request: https.request
      }
    : { agent: new http.Agent(options), request: http.request }
}

/** node:http or node:https with a keep-alive Agent sized like every other client's pool. */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const { agent, request: send } = transport(target)
    const nextOrigin = rotation(target.origins)
    const body = requestBody(target)
    const headers = body === undefined ? {} : { "content-length": body.byteLength }
    const request = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const { host, port } = nextOrigin()
        const outgoing = send(
          { agent, host, port, path: target.path, method: target.method, headers },
          (response) => {
            const chunks: Array<Buffer> = []
            response.on("data", (chunk: Buffer) => chunks.push(chunk))
            response.on("error", reject)
            response.on("end", () => {
              try {
                checkResponse(target, response.statusCode ?? 0, Buffer.concat(chunks).byteLength)
                resolve()
              } catch (error) {
                reject(error)
              }
            })
          }
        )
        outgoing.on("error", reject)
        outgoing.end(body)
      })
    return { run: promiseLoop(request), close: async () => agent.destroy() }
  }
}
