import { Pool } from "undici"
import { promiseLoop } from "./promise-loop.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter } from "./types.js"

export const adapter: ClientAdapter = {
  start: async (target) => {
    const pool = new Pool(new URL(target.url).origin, { connections: target.concurrency })
    const request = async (): Promise<void> => {
      const response = await pool.request({ path: target.path, method: "GET" })
      const body = await response.body.arrayBuffer()
      checkResponse(target, response.statusCode, body.byteLength)
    }
    return { run: promiseLoop(request), close: () => pool.close() }
  }
}
