/**
 * A `Semaphore` whose permits are a connection's slots, with synchronous
 * twins of its operations for the pools' hot paths.
 *
 * Slots are taken while a pool chooses a connection and given back from
 * socket events, both outside any fiber: Effect's own semaphore would need
 * a fiber (`Effect.runSync`) for each of those. This one is the same gate,
 * first come first served, and its Effect operations behave as Effect's do,
 * so it can be handed to anything that takes an `Effect.Semaphore`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

interface Waiter {
  readonly permits: number
  readonly resume: (effect: Effect.Effect<number>) => void
}

/** @internal */
export class SlotSemaphore implements Effect.Semaphore {
  /** Permits in use; may exceed `permits` after a resize below it. */
  taken = 0
  private readonly waiters: Array<Waiter> = []

  constructor(
    /** Permits in all. */
    public permits: number
  ) {}

  /** Permits free now; negative after a resize below what is taken. */
  get free(): number {
    return this.permits - this.taken
  }

  /** Takes `n` permits if they are free and nobody waits ahead; `false` otherwise. */
  tryTake(n: number): boolean {
    if (this.free < n || this.waiters.length > 0) return false
    this.taken += n
    return true
  }

  /** Gives back `n` permits and hands them to waiters, oldest first. */
  unsafeRelease(n: number): void {
    this.taken = Math.max(0, this.taken - n)
    this.wake()
  }

  /** Sets the number of permits; what is taken stays taken. */
  unsafeResize(permits: number): void {
    this.permits = permits
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    while (waiters.length > 0 && this.free >= waiters[0]!.permits) {
      const waiter = waiters.shift()!
      this.taken += waiter.permits
      waiter.resume(Effect.succeed(this.free))
    }
  }

  take(n: number): Effect.Effect<number> {
    return Effect.suspend(() =>
      this.tryTake(n)
        ? Effect.succeed(this.free)
        : Effect.async<number>((resume) => {
            const waiter: Waiter = { permits: n, resume }
            this.waiters.push(waiter)
            return Effect.sync(() => {
              const i = this.waiters.indexOf(waiter)
              if (i >= 0) this.waiters.splice(i, 1)
              // Out of the line already: a release handed it its permits before the interruption
              // reached it. The take fails, so nobody else will give them back.
              else this.taken = Math.max(0, this.taken - waiter.permits)
              // A waiter leaving may let the next one through.
              this.wake()
            })
          })
    )
  }

  release(n: number): Effect.Effect<number> {
    return Effect.sync(() => {
      this.unsafeRelease(n)
      return this.free
    })
  }

  readonly releaseAll: Effect.Effect<number> = Effect.sync(() => {
    this.unsafeRelease(this.taken)
    return this.free
  })

  resize(permits: number): Effect.Effect<void> {
    return Effect.sync(() => this.unsafeResize(permits))
  }

  withPermits(n: number) {
    return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(this.take(n)), () => Effect.ensuring(restore(self), this.release(n)))
      )
  }

  withPermitsIfAvailable(n: number) {
    return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<Option.Option<A>, E, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() =>
          this.tryTake(n)
            ? Effect.ensuring(restore(Effect.asSome(self)), this.release(n))
            : Effect.succeed(Option.none())
        )
      )
  }
}
