/**
 * The whole-request deadline: `timeout` from the layer or
 * `Timeouts.withTimeout`, over the road to the response head and then over
 * the buffered read of its body.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type Phase, TimeoutError } from "../../Errors.js"

/**
 * Bounds `effect` to end by `deadline` (Clock ms), failing with a
 * `TimeoutError` in `phase`: what it was waiting for when the time ran out.
 *
 * @internal
 */
export const byDeadline = <A, E>(
  effect: Effect.Effect<A, E>,
  deadline: number,
  timeoutMillis: number,
  endpoint: string,
  phase: Phase
): Effect.Effect<A, E | TimeoutError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.timeoutFail(effect, {
      duration: Duration.millis(Math.max(0, deadline - now)),
      onTimeout: () => new TimeoutError({ endpoint, phase, protocol: undefined, timeoutMillis })
    })
  )
