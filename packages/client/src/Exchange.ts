/**
 * What the pools take and give. An exchange is one request made ready for a
 * pool: its endpoint, method, target, headers and prepared body. A pool
 * answers with the response head and a body read on demand. Both pools, and
 * any pool you write in their place, share this face.
 *
 * @example
 * ```ts
 * // A mock HTTP/2 pool that answers every exchange itself.
 * const MockH2 = Layer.succeed(H2ConnectionPool.H2ConnectionPool, {
 *   exchange: (exchange) => Effect.succeed(Exchange.respond({ status: 200, body: exchange.target })),
 *   ...
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Protocol } from "./Errors.js"
import { BufferedBody } from "./internal/exchange/buffered-body.js"
import type { ExchangeResponse } from "./internal/exchange/exchange.js"

export type {
  /** @since 0.1.0 */
  Exchange,
  /** @since 0.1.0 */
  ExchangeResponse,
  /** @since 0.1.0 */
  ResponseBody,
  /** @since 0.1.0 */
  ResponseHead
} from "./internal/exchange/exchange.js"
export type {
  /** @since 0.1.0 */
  PreparedBody
} from "./internal/exchange/request-body.js"

/**
 * What {@link respond} builds a response from.
 *
 * @since 0.1.0
 */
export interface RespondOptions {
  readonly status: number
  /** Field names are lower-cased. Default: none. */
  readonly headers?: Readonly<Record<string, string>>
  /** Default: empty. */
  readonly body?: string | Uint8Array
  /** Default `"h2"`. */
  readonly protocol?: Protocol
  /** Default `undefined`. */
  readonly remoteAddress?: string
}

const encoder = new TextEncoder()

/**
 * A complete response held in memory, for pools that answer without a
 * connection: mocks and test doubles.
 *
 * @since 0.1.0
 */
export const respond = (options: RespondOptions): ExchangeResponse => {
  const headers: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value
  const body = options.body ?? new Uint8Array(0)
  return {
    protocol: options.protocol ?? "h2",
    head: { status: options.status, headers, setCookie: [] },
    body: new BufferedBody(typeof body === "string" ? encoder.encode(body) : body),
    remoteAddress: options.remoteAddress,
    coalesced: false
  }
}
