import * as http from "node:http"
import { promiseLoop } from "./promise-loop.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter, Target } from "./types.js"

const get = (agent: http.Agent, target: Target): Promise<void> =>
  new Promise((resolve, reject) => {
    const request = http.get(
      { agent, host: target.host, port: target.port, path: target.path },
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
    request.on("error", reject)
  })

export const adapter: ClientAdapter = {
  start: async (target) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: target.concurrency })
    return {
      run: promiseLoop(() => get(agent, target)),
      close: async () => agent.destroy()
    }
  }
}
