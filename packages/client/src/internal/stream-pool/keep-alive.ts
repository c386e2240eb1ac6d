/**
 * Keep-alive for a session, on either end: a PING every period, and the
 * session counts as dead when one is not acknowledged within the period.
 * Socket loss shows up as the session closing.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as http2 from "node:http2"
import { StreamPoolError } from "./errors.js"

const ping = (session: http2.Http2Session, address: string): Effect.Effect<void, StreamPoolError> =>
  Effect.async<void, StreamPoolError>((resume) => {
    const sent = session.ping((error) => {
      resume(
        error === null
          ? Effect.void
          : Effect.fail(
              new StreamPoolError({ address, reason: "ConnectionLost", detail: "PING failed", cause: error })
            )
      )
    })
    if (!sent) {
      resume(Effect.fail(new StreamPoolError({ address, reason: "ConnectionLost", detail: "PING not sent" })))
    }
  })

/**
 * Runs until the peer stays silent for a whole period, failing then with a
 * `KeepAliveTimeout`. Periods are measured with Effect's `Clock`.
 *
 * @internal
 */
export const keepAlive = (
  session: http2.Http2Session,
  address: string,
  period: Duration.Duration
): Effect.Effect<never, StreamPoolError> => {
  const timeout = new StreamPoolError({
    address,
    reason: "KeepAliveTimeout",
    detail: `no PING acknowledgement within ${Duration.toMillis(period)} ms`
  })
  return Effect.forever(
    Effect.zipRight(
      Effect.sleep(period),
      Effect.timeoutFail(ping(session, address), { duration: period, onTimeout: () => timeout })
    )
  )
}
