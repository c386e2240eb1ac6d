/**
 * Asserts that a piece of work left no sockets or timers behind, by
 * comparing the resources Node reports as keeping the process alive
 * (`process.getActiveResourcesInfo()`) before and after it.
 *
 * Closing a socket completes a few event-loop turns after `destroy()`, and
 * the far end of a loopback connection sees the FIN a little later still, so
 * the check lets the event loop run until the counts are back to the
 * baseline, and fails only if they are not by its deadline.
 *
 * @example
 * ```ts
 * const before = yield* LeakCheck.snapshot
 * yield* Effect.scoped(Layer.build(Requests.layer()).pipe(Effect.flatMap(useIt)))
 * yield* LeakCheck.assertNoLeaks(before)
 * ```
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"

/**
 * Live resources by kind (`TCPSocketWrap`, `TLSWrap`, `Timeout`, ...) and how many of each.
 *
 * @since 0.1.0
 */
export type Resources = ReadonlyMap<string, number>

/**
 * Resources still alive after the deadline, beyond what the baseline had.
 *
 * @since 0.1.0
 */
export class LeakError extends Data.TaggedError("LeakError")<{
  /** Kind and how many more than the baseline. */
  readonly leaked: ReadonlyMap<string, number>
  readonly message: string
}> {}

/**
 * The kinds that mean a connection or a timer is still alive. Requests Node
 * makes on its own (`CloseReq`, `ShutdownWrap`, `Immediate`, ...) come and
 * go with the event loop and say nothing about leaks.
 *
 * @since 0.1.0
 */
export const defaultKinds: ReadonlyArray<string> = [
  "TCPSocketWrap",
  "TCPWrap",
  "TLSWrap",
  "PipeWrap",
  "TCPServerWrap",
  "Timeout"
]

const count = (kinds: ReadonlyArray<string>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) {
    if (kinds.includes(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  return counts
}

/**
 * The resources alive now.
 *
 * @since 0.1.0
 */
export const snapshot: Effect.Effect<Resources> = Effect.sync(() => count(defaultKinds))

const excess = (before: Resources, kinds: ReadonlyArray<string>): Map<string, number> => {
  const out = new Map<string, number>()
  for (const [kind, n] of count(kinds)) {
    const extra = n - (before.get(kind) ?? 0)
    if (extra > 0) out.set(kind, extra)
  }
  return out
}

/** One turn of the event loop, I/O callbacks included. */
const turn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Options of {@link assertNoLeaks}.
 *
 * @since 0.1.0
 */
export interface LeakCheckOptions {
  /** Kinds of resources to count. Default {@link defaultKinds}. */
  readonly kinds?: ReadonlyArray<string>
  /**
   * How long the event loop may take to finish closing, in wall-clock
   * milliseconds (a TestClock would never advance it). Default `5000`.
   */
  readonly settleMillis?: number
}

/**
 * Succeeds once no more resources are alive than in `before`; fails with
 * {@link LeakError} naming the surplus if that does not happen within
 * `settleMillis`.
 *
 * @since 0.1.0
 */
export const assertNoLeaks = (
  before: Resources,
  options: LeakCheckOptions = {}
): Effect.Effect<void, LeakError> =>
  Effect.suspend(() => {
    const kinds = options.kinds ?? defaultKinds
    const deadline = performance.now() + (options.settleMillis ?? 5_000)
    const loop: Effect.Effect<void, LeakError> = Effect.suspend(() => {
      const leaked = excess(before, kinds)
      if (leaked.size === 0) return Effect.void
      if (performance.now() >= deadline) {
        const list = [...leaked].map(([kind, n]) => `${n} × ${kind}`).join(", ")
        return Effect.fail(
          new LeakError({ leaked, message: `still alive after the check's deadline: ${list}` })
        )
      }
      return Effect.zipRight(turn, loop)
    })
    return loop
  })

/**
 * Runs the effect, then asserts it left nothing alive that was not alive
 * before it started.
 *
 * @since 0.1.0
 */
export const around = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: LeakCheckOptions = {}
): Effect.Effect<A, E | LeakError, R> =>
  Effect.flatMap(snapshot, (before) => Effect.tap(effect, () => assertNoLeaks(before, options)))
