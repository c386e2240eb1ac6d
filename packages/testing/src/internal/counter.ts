/**
 * A monotonic counter that effects can wait on, so tests observe server
 * events without polling or sleeping.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { type WaitOptions, type WaitTimeout, within } from "./wait.js"

interface Waiter {
  readonly target: number
  readonly wake: () => void
}

/** @internal */
export class Counter {
  #value = 0
  readonly #waiters = new Set<Waiter>()

  get value(): number {
    return this.#value
  }

  increment(): void {
    this.#value++
    for (const waiter of this.#waiters) {
      if (this.#value >= waiter.target) {
        this.#waiters.delete(waiter)
        waiter.wake()
      }
    }
  }

  /** Succeeds once the counter has reached `target`. */
  await(target: number): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.#value >= target) {
        resume(Effect.void)
        return
      }
      const waiter: Waiter = { target, wake: () => resume(Effect.void) }
      this.#waiters.add(waiter)
      return Effect.sync(() => {
        this.#waiters.delete(waiter)
      })
    })
  }

  /**
   * Succeeds once the counter has reached `target`; fails with a
   * {@link WaitTimeout} naming `helper` and `unit` if that takes longer than
   * the bound.
   */
  awaitWithin(
    target: number,
    helper: string,
    unit: string,
    options?: WaitOptions
  ): Effect.Effect<void, WaitTimeout> {
    return within(this.await(target), { helper, unit, target, seen: () => this.#value }, options)
  }
}
