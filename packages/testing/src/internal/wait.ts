/**
 * The bound on every wait the test servers offer: a wait for a state that
 * never comes fails, after a while, with what it was waiting for and what it
 * saw last, instead of hanging the test until the runner's own timeout.
 *
 * The servers run on real sockets, so the bound is real time even when the
 * test drives Effect's `TestClock`: only the deadline's sleep runs on the
 * live clock, the wait itself keeps the caller's services.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as TestServices from "effect/TestServices"

/** @internal */
export const defaultTimeoutMillis = 5_000

/** @internal */
export const currentTimeoutMillis: FiberRef.FiberRef<number> = globalValue(
  Symbol.for("@effect-requests/testing/Wait/currentTimeoutMillis"),
  () => FiberRef.unsafeMake(defaultTimeoutMillis)
)

/** @internal @inline */
export interface WaitOptions {
  /**
   * How long to wait, in real milliseconds whatever the `Clock`. Default
   * `currentTimeoutMillis` of the fiber: `Wait.defaultTimeoutMillis` unless
   * set with `Effect.locally`.
   */
  readonly timeoutMillis?: number
}

/** @internal */
export class WaitTimeout extends Data.TaggedError("WaitTimeout")<{
  /** The helper that gave up, e.g. `awaitClosedConnections`. */
  readonly helper: string
  /** What was counted, singular, e.g. `closed connection`. */
  readonly unit: string
  /** The count it waited for. */
  readonly target: number
  /** The count when it gave up. */
  readonly seen: number
  /** How long it waited, in real milliseconds. */
  readonly timeoutMillis: number
}> {
  override get message(): string {
    const unit = this.target === 1 ? this.unit : `${this.unit}s`
    return `${this.helper}: wanted ${this.target} ${unit}, saw ${this.seen} after ${this.timeoutMillis} ms`
  }
}

/** What a wait is for, to name it when it gives up. @internal @inline */
export interface WaitSubject {
  readonly helper: string
  /** Singular; the message adds an `s` for any count but 1. */
  readonly unit: string
  readonly target: number
  /** Read when the wait gives up. */
  readonly seen: () => number
}

/** Runs `wait`, or fails with {@link WaitTimeout} once the bound has passed in real time. @internal */
export const within = <A, E, R>(
  wait: Effect.Effect<A, E, R>,
  subject: WaitSubject,
  options?: WaitOptions
): Effect.Effect<A, E | WaitTimeout, R> =>
  FiberRef.getWith(currentTimeoutMillis, (fallback) => {
    const timeoutMillis = options?.timeoutMillis ?? fallback
    // A TestClock never reaches a deadline nobody adjusts it to, so the sleep alone runs on the live clock.
    const deadline = Effect.zipRight(
      TestServices.provideLive(Effect.sleep(Duration.millis(timeoutMillis))),
      Effect.suspend(() =>
        Effect.fail(
          new WaitTimeout({
            helper: subject.helper,
            unit: subject.unit,
            target: subject.target,
            seen: subject.seen(),
            timeoutMillis
          })
        )
      )
    )
    return Effect.raceFirst(wait, deadline)
  })
