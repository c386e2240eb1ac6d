/**
 * Per-request limits, set around any effect that makes requests, including
 * code that only knows the platform's `HttpClient`.
 *
 * @example
 * ```ts
 * import { Limits } from "@effect-requests/client"
 *
 * // Accept up to 512 MiB for this one buffered read.
 * const big = Limits.withMaxBodySize(HttpClient.get(url).pipe(Effect.flatMap((r) => r.arrayBuffer)), 512 * 1024 * 1024)
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import { currentMaxBodySize } from "./internal/limits/settings.js"

export {
  /**
   * Default of `maxBodySize`: 64 MiB.
   *
   * @since 0.1.0
   */
  DEFAULT_MAX_BODY_SIZE
} from "./internal/limits/settings.js"

/**
 * Runs `effect` with `maxBodySize` set to `bytes` for the responses it reads
 * with `text`, `json`, `arrayBuffer`, `formData` or `urlParamsBody`. A
 * response whose `content-length` is larger fails at once; one without
 * fails as soon as more has arrived. Either way the connection is closed
 * and the error is a `LimitExceededError` with `limit: "maxBodySize"`.
 * `stream` is never limited.
 *
 * @since 0.1.0
 */
export const withMaxBodySize: {
  (bytes: number): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, bytes: number): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, bytes: number): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentMaxBodySize, bytes)
)
