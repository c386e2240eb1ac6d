/**
 * How often a pool's housekeeping looks for exchanges that stopped making
 * progress. The pool's own `headersTimeout` and `bodyTimeout` set the round;
 * a request that carries shorter ones of its own (`Timeouts.withHeadersTimeout`,
 * `Timeouts.withBodyTimeout`) shortens it, at once, so its deadline fires about
 * as late as the pool's would: a round is a quarter of the deadline.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type { StallOverride } from "../limits/settings.js"

/** Shortest round, in ms: a deadline fires up to this much late. @internal */
export const MIN_ROUND = 100

/** Longest round, in ms. @internal */
export const MAX_ROUND = 5_000

/** The round for deadlines of `headersTimeout` and `bodyTimeout` ms, within `[100, 5000]`. @internal */
export const roundFor = (headersTimeout: number, bodyTimeout: number): number =>
  Math.max(MIN_ROUND, Math.min(headersTimeout / 4, bodyTimeout / 4, MAX_ROUND))

/** @internal */
export class StallRound {
  private wake: Deferred.Deferred<void> = Deferred.unsafeMake<void>(FiberId.none)

  constructor(
    /** The current round in ms: the pool's, or shorter once a request asked for shorter deadlines. */
    public millis: number
  ) {}

  /** A request brought deadlines of its own: the round shrinks to fit them, and a round in progress ends now. */
  note(stall: StallOverride): void {
    const round = roundFor(stall.headersTimeout ?? Infinity, stall.bodyTimeout ?? Infinity)
    if (round >= this.millis) return
    this.millis = round
    const wake = this.wake
    this.wake = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(wake, Exit.void)
  }

  /** Waits one round, cut short when a request shortens the round meanwhile. */
  readonly sleep: Effect.Effect<void> = Effect.suspend(() =>
    Effect.raceFirst(Effect.sleep(this.millis), Deferred.await(this.wake))
  )
}
