import { Pool } from "undici"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter } from "./types.js"

/**
 * undici's `Pool`, one per origin (undici's `Agent` keeps the same map internally), sized and pipelined as
 * the scenario says.
 */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const pools = target.origins.map(
      ({ origin }) =>
        new Pool(origin, {
          connections: target.connections,
          pipelining: target.pipelining,
          ...(target.ca === undefined ? {} : { connect: { ca: target.ca } })
        })
    )
    const nextPool = rotation(pools)
    const body = requestBody(target)
    const request = async (): Promise<void> => {
      const response = await nextPool().request({
        path: target.path,
        method: target.method,
        body: body ?? null
      })
      const received = await response.body.arrayBuffer()
      checkResponse(target, response.statusCode, received.byteLength)
    }
    return {
      run: promiseLoop(request),
      close: async () => void (await Promise.all(pools.map((pool) => pool.close())))
    }
  }
}
