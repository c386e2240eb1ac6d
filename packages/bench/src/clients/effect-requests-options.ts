import type { Requests } from "@effect-requests/client"
import { lookupTo } from "./resolve-to.js"
import type { Target } from "./types.js"

/**
 * Options the suite sets that the client may not declare yet (they are being added). Declared here as well,
 * so the bench compiles either way; a client that does not know them ignores them at run time, which the
 * suite detects: the pipelined scenario counts connections at the server, the HTTP/2 listeners refuse
 * HTTP/1.1, and the clients asked for one protocol where the server offers both check which one they used.
 */
interface PendingOptions {
  readonly h1?: { readonly maxConnectionsPerEndpoint?: number; readonly pipelining?: number }
  readonly protocol?: "auto" | "http1" | "http2" | "h2c"
}

export type BenchOptions = Requests.Options & PendingOptions

/**
 * The same pool size and pipelining depth as every other client gets, trust in the test CA, and the server's
 * address where the origins' name does not resolve to it. The batteries are off (`batteries: false`): these
 * rows measure the transport, as undici's Pool rows do, which send no default headers, decode nothing and
 * follow nothing. One row, `effect-requests-batteries`, keeps the defaults on.
 */
export const effectRequestsOptions = (target: Target): BenchOptions => ({
  batteries: false,
  ...(target.ca === undefined ? {} : { tls: { ca: target.ca } }),
  ...(target.resolveTo === undefined ? {} : { lookup: lookupTo(target.resolveTo) }),
  h1: { maxConnectionsPerEndpoint: target.connections, pipelining: target.pipelining }
})
