/**
 * Per-request deadlines, set around any effect that makes requests,
 * including code that only knows the platform's `HttpClient`.
 *
 * @example
 * ```ts
 * import { Timeouts } from "@effect-requests/client"
 *
 * // Fails with a TimeoutError unless the response is in, body included, within 2 seconds.
 * const quick = Timeouts.withTimeout(HttpClient.get(url).pipe(Effect.flatMap((r) => r.json)), "2 seconds")
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import { currentTimeout } from "./internal/limits/settings.js"

/**
 * Runs `effect` with a whole-request deadline for every request it makes:
 * from the start of the request to its response head, and on through the
 * buffered read of its body (`text`, `json`, `arrayBuffer`...), all within
 * `duration`, on Effect's Clock. Past it the request fails with a
 * `TimeoutError` whose `phase` is `headers` (or `body`, while reading it)
 * and whose `timeoutMillis` is `duration`; its connection or stream is
 * closed. Overrides the layer's `timeout`; `Duration.infinity` turns it off.
 *
 * @since 0.1.0
 */
export const withTimeout: {
  (duration: Duration.DurationInput): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<A, E, R> =>
    Effect.locally(effect, currentTimeout, Duration.toMillis(duration))
)
