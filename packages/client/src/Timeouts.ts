/**
 * Per-request deadlines, set around any effect that makes requests,
 * including code that only knows the platform's `HttpClient`. Each replaces
 * the layer's option of the same name for the requests `effect` makes; they
 * combine, and the innermost setting of each wins.
 *
 * @example
 * ```ts
 * import { Timeouts } from "@effect-requests/client"
 *
 * // Fails with a TimeoutError unless the response is in, body included, within 2 seconds.
 * const quick = Timeouts.withTimeout(HttpClient.get(url).pipe(Effect.flatMap((r) => r.json)), "2 seconds")
 *
 * // A slow report: up to 10 minutes for the head, then no more than 30 seconds between body chunks.
 * const report = HttpClient.get(url).pipe(
 *   Effect.flatMap((r) => r.text),
 *   Timeouts.withHeadersTimeout("10 minutes"),
 *   Timeouts.withBodyTimeout("30 seconds")
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import { currentDeadlines, type RequestDeadlines } from "./internal/limits/settings.js"

const setting =
  (key: keyof RequestDeadlines) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<A, E, R> => {
    const millis = Duration.toMillis(duration)
    return Effect.locallyWith(effect, currentDeadlines, (deadlines) => ({ ...deadlines, [key]: millis }))
  }

/**
 * Runs `effect` with a whole-request deadline for every request it makes:
 * from the start of the request to its response head, and on through the
 * read of its body, buffered (`text`, `json`, `arrayBuffer`...) or as a
 * `stream`, all within `duration`, on Effect's Clock. Past it the request
 * fails with a `TimeoutError` whose `phase` is `headers` (or `body`, while
 * reading it) and whose `timeoutMillis` is `duration`; its connection or
 * stream is closed. Overrides the layer's `timeout`; `Duration.infinity`
 * turns it off.
 *
 * @since 0.1.0
 */
export const withTimeout: {
  (duration: Duration.DurationInput): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<A, E, R>
} = dual(2, setting("timeout"))

/**
 * Runs `effect` with `headersTimeout` set to `duration` for every request it
 * makes, over HTTP/1.1 and HTTP/2: once the request is on a connection, the
 * longest wait for its response head without hearing anything. Past it the
 * request fails with a `TimeoutError` in phase `headers`, and its connection
 * (HTTP/1.1) or stream (HTTP/2) is closed. Overrides the pool's
 * `headersTimeout`; like it, it is checked by the pool's housekeeping, so it
 * may fire up to two rounds late, a round being a quarter of the shortest
 * deadline in use (at least 100 ms, at most 5 s).
 * `Duration.infinity` turns it off.
 *
 * @since 0.1.0
 */
export const withHeadersTimeout: {
  (duration: Duration.DurationInput): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<A, E, R>
} = dual(2, setting("headersTimeout"))

/**
 * Runs `effect` with `bodyTimeout` set to `duration` for every request it
 * makes, over HTTP/1.1 and HTTP/2: the longest time a body may go without
 * progress, between chunks of the response body, or while an upload cannot
 * be sent. A reader that stops reading is not waited for. Past it the
 * request fails with a `TimeoutError` in phase `body` (or `request`, for an
 * upload), and its connection or stream is closed. Overrides the pool's
 * `bodyTimeout`, and is checked as {@link withHeadersTimeout} is.
 * `Duration.infinity` turns it off.
 *
 * @since 0.1.0
 */
export const withBodyTimeout: {
  (duration: Duration.DurationInput): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<A, E, R>
} = dual(2, setting("bodyTimeout"))
