/**
 * The one face both pools share: an exchange goes in (where, what, which
 * body), a response head and a body to read come out.
 *
 * @internal
 */
import type * as Chunk from "effect/Chunk"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Endpoint } from "../../Endpoint.js"
import type { Protocol, RequestsError } from "../../Errors.js"
import type { RetryReason } from "../../Events.js"
import type { StallOverride } from "../limits/settings.js"
import type { PreparedBody } from "./request-body.js"

/** One request, ready for a pool. @internal */
export interface Exchange {
  readonly endpoint: Endpoint
  /** Upper-case method, as the platform hands it over. */
  readonly method: string
  /** Path and query, the request target. */
  readonly target: string
  /** Lower-case field names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: PreparedBody
  /** Set when this attempt re-sends the exchange: why the earlier one did not count. */
  readonly retry: RetryReason | undefined
  /** `headersTimeout` and `bodyTimeout` of this request, replacing the pool's (`Timeouts`); absent for the pool's. */
  readonly stall?: StallOverride | undefined
}

/** The head fields a response needs, whatever protocol carried it. @internal */
export interface ResponseHead {
  readonly status: number
  /** Lower-case names; repeated fields joined with ", ". */
  readonly headers: Record<string, string>
  /** Every `Set-Cookie` value, which cannot be joined. */
  readonly setCookie: ReadonlyArray<string>
}

/** The body side of an exchange, whatever protocol carried it. @internal */
export interface ResponseBody {
  /** Every remaining byte, in one buffer. */
  readonly readAll: Effect.Effect<Uint8Array, RequestsError>
  /**
   * Every remaining byte, in one buffer, failing with a `LimitExceededError`
   * once more than `limit` bytes arrive; the connection or stream is then
   * given up.
   */
  readAtMost(limit: number): Effect.Effect<Uint8Array, RequestsError>
  /** Every remaining byte if the body has fully arrived, else `undefined`; never waits. */
  takeAll(): Uint8Array | undefined
  /** Next batch of chunks; `None` at the end. */
  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<RequestsError>>
  /** True once the body has been fully received or has failed. */
  readonly settled: boolean
  /** The reader gives up; an unfinished body makes the connection (or stream) unusable. */
  readonly abandon: () => void
}

/** What a pool answers an exchange with. @internal */
export interface ExchangeResponse {
  readonly protocol: Protocol
  readonly head: ResponseHead
  readonly body: ResponseBody
  readonly remoteAddress: string | undefined
  /** Carried by a connection opened for another origin (HTTP/2 coalescing). */
  readonly coalesced: boolean
}
