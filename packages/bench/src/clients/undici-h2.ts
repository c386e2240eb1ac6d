import { H2CClient, Pool } from "undici"
import type { Dispatcher } from "undici"
import { promiseLoop } from "./promise-loop.js"
import { requestBody, rotation } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter, Origin, Target } from "./types.js"

/**
 * undici's HTTP/2 as documented: a `Pool` with `allowH2` over TLS (ALPN decides), and `H2CClient` for h2c,
 * the only way undici speaks HTTP/2 in clear text. The pool is left unbounded, as `allowH2` pools are
 * usually built: with a bound it would queue requests behind busy connections instead of multiplexing.
 */
const dispatcher = (target: Target, { origin }: Origin): Dispatcher =>
  target.transport === "h2c"
    ? new H2CClient(origin)
    : new Pool(origin, { allowH2: true, ...(target.ca === undefined ? {} : { connect: { ca: target.ca } }) })

export const adapter: ClientAdapter = {
  start: async (target) => {
    const dispatchers = target.origins.map((origin) => dispatcher(target, origin))
    const next = rotation(dispatchers)
    const body = requestBody(target)
    const request = async (): Promise<void> => {
      const response = await next().request({ path: target.path, method: target.method, body: body ?? null })
      const received = await response.body.arrayBuffer()
      checkResponse(target, response.statusCode, received.byteLength)
    }
    return {
      run: promiseLoop(request),
      close: async () => void (await Promise.all(dispatchers.map((entry) => entry.close())))
    }
  }
}
