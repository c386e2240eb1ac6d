import { FloorPool } from "./floor-pool.js"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation } from "./target-helpers.js"
import type { ClientAdapter } from "./types.js"

/** The HTTP/1.1 floor: raw sockets (TLS where the scenario says), one minimal pool per origin. */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const body = requestBody(target)
    const pools = target.origins.map((origin) => new FloorPool(target, origin, body))
    const nextPool = rotation(pools)
    return {
      run: promiseLoop(() => nextPool().request()),
      close: async () => pools.forEach((pool) => pool.close())
    }
  }
}
