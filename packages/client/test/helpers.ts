import * as v8 from "node:v8"
import * as vm from "node:vm"
import { Chunk, Effect, TestClock } from "effect"

/** One turn of Node's event loop, so socket callbacks pending now get to run. */
const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Waits until some fiber is sleeping on the TestClock. A deadline armed in
 * reaction to a socket event registers its timer a moment after that event;
 * adjusting the clock before then would pass it by.
 */
export const awaitTimer: Effect.Effect<void> = Effect.gen(function* () {
  while (Chunk.isEmpty(yield* TestClock.sleeps())) yield* eventLoopTurn
})

// Test workers do not start with --expose-gc; turning the flag on later makes
// a fresh context carry `gc`, which then collects the whole isolate.
v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

/** Runs a full garbage collection. */
export const collectGarbage = (): void => gc()
