import * as v8 from "node:v8"
import * as vm from "node:vm"
import { Wait } from "@effect-requests/testing"
import { Chunk, Duration, Effect, TestClock } from "effect"

/** One turn of Node's event loop, so socket callbacks pending now get to run. */
export const eventLoopTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Waits until a fiber sleeps on the TestClock until `duration` from now (or
 * until any time, without a duration). A deadline armed in reaction to a
 * socket event registers its timer a moment after that event; adjusting the
 * clock before then would pass it by. Naming the deadline keeps background
 * timers (a pool's housekeeping) from answering for it.
 */
export const awaitTimer = (duration?: Duration.DurationInput): Effect.Effect<void, Wait.WaitTimeout> =>
  Effect.gen(function* () {
    const now = yield* TestClock.currentTimeMillis
    const due = duration === undefined ? undefined : now + Duration.toMillis(duration)
    const armed = (sleeps: Chunk.Chunk<number>) =>
      due === undefined ? Chunk.isNonEmpty(sleeps) : Chunk.some(sleeps, (at) => at === due)
    let armedCount = 0
    const wait = Effect.gen(function* () {
      while (!armed(yield* TestClock.sleeps())) yield* eventLoopTurn
      armedCount = 1
    })
    // Bounded in real time: a deadline that is never armed fails with what was waited for.
    yield* Wait.within(wait, { helper: "awaitTimer", unit: "armed timer", target: 1, seen: () => armedCount })
  })

// Test workers do not start with --expose-gc; turning the flag on later makes
// a fresh context carry `gc`, which then collects the whole isolate.
v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

/** Runs a full garbage collection. */
export const collectGarbage = (): void => gc()

/**
 * Tracks how far resident memory grows above where it stood when made,
 * sampling every eighth call. Every socket read allocates a fresh buffer and
 * V8 collects them only once 64 MiB of such garbage has piled up; what must
 * stay bounded is what a transfer keeps alive, so garbage is collected
 * before each sample.
 */
export const memoryGrowth = () => {
  collectGarbage()
  const baseline = process.memoryUsage().rss
  let peak = baseline
  let seen = 0
  return {
    sample: Effect.sync(() => {
      if (++seen % 8 !== 0) return
      collectGarbage()
      peak = Math.max(peak, process.memoryUsage().rss)
    }),
    peakGrowth: () => peak - baseline
  }
}
