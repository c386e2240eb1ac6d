/**
 * Asserts that a piece of work left no sockets, timers or Effect fibers
 * behind.
 *
 * Node's resources are compared by count: the ones Node reports as keeping
 * the process alive (`process.getActiveResourcesInfo()`) before and after.
 * Closing a socket completes a few event-loop turns after `destroy()`, and
 * the far end of a loopback connection sees the FIN a little later still, so
 * the check lets the event loop run until the counts are back to the
 * baseline, and fails only if they are not by its deadline.
 *
 * Fibers are compared by identity: the fibers running without a parent
 * (`forkDaemon`, `forkScoped`/`forkIn`, a `Runtime`'s `runFork`) that were
 * not running at the snapshot, and, with {@link around}, every fiber the work
 * started, parent or not. Under `TestClock` this is what catches a
 * housekeeping loop left running: its sleeps arm no Node timer.
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
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Supervisor from "effect/Supervisor"

/**
 * Live resources by kind (`TCPSocketWrap`, `TLSWrap`, `Timeout`, `Fiber`, ...) and how many of each.
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
  /** The fibers left running, by id (`#12`), with the span they are in, if any. */
  readonly fibers: ReadonlyArray<string>
  readonly message: string
}> {}

/**
 * The kind under which Effect fibers are counted: the ones running without a
 * parent, and with {@link around} every one the work started.
 *
 * @since 0.1.0
 */
export const fiberKind = "Fiber"

/**
 * The kinds that mean a connection, a timer or a fiber is still alive.
 * Requests Node makes on its own (`CloseReq`, `ShutdownWrap`, `Immediate`,
 * ...) come and go with the event loop and say nothing about leaks.
 *
 * @since 0.1.0
 */
export const defaultKinds: ReadonlyArray<string> = [
  "TCPSocketWrap",
  "TCPWrap",
  "TLSWrap",
  "PipeWrap",
  "TCPServerWrap",
  "Timeout",
  fiberKind
]

type AnyFiber = Fiber.RuntimeFiber<unknown, unknown>

/** The fibers running without a parent when each snapshot was taken. */
const rootsAt = new WeakMap<Resources, ReadonlySet<AnyFiber>>()

const count = (kinds: ReadonlyArray<string>): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const kind of process.getActiveResourcesInfo()) {
    if (kinds.includes(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  if (kinds.includes(fiberKind)) {
    const roots = Fiber.unsafeRoots().length
    if (roots > 0) counts.set(fiberKind, roots)
  }
  return counts
}

/**
 * The resources alive now.
 *
 * @since 0.1.0
 */
export const snapshot: Effect.Effect<Resources> = Effect.sync(() => {
  const resources = count(defaultKinds)
  rootsAt.set(resources, new Set(Fiber.unsafeRoots()))
  return resources
})

const describe = (fiber: AnyFiber): string => {
  const span = fiber.currentSpan
  const id = FiberId.threadName(fiber.id())
  return span?._tag === "Span" ? `${id} in span ${JSON.stringify(span.name)}` : id
}

interface Leaks {
  readonly counts: Map<string, number>
  readonly fibers: ReadonlyArray<AnyFiber>
}

/** What is alive now beyond `before`, plus the fibers of `started` still running, `self` aside. */
const leaksSince = (
  before: Resources,
  kinds: ReadonlyArray<string>,
  self: AnyFiber,
  started: ReadonlyArray<AnyFiber>
): Leaks => {
  const counts = new Map<string, number>()
  for (const [kind, n] of count(kinds)) {
    const extra = n - (before.get(kind) ?? 0)
    if (extra > 0) counts.set(kind, extra)
  }
  if (!kinds.includes(fiberKind)) return { counts, fibers: [] }
  const baseline = rootsAt.get(before)
  const left = new Set(started)
  // A baseline that did not come from `snapshot` has root fibers counted, not named.
  if (baseline !== undefined) {
    for (const fiber of Fiber.unsafeRoots()) if (!baseline.has(fiber)) left.add(fiber)
  }
  left.delete(self)
  const fibers = [...left]
  if (baseline === undefined) {
    if (fibers.length > (counts.get(fiberKind) ?? 0)) counts.set(fiberKind, fibers.length)
  } else if (fibers.length > 0) counts.set(fiberKind, fibers.length)
  else counts.delete(fiberKind)
  return { counts, fibers }
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
  /** Kinds of resources to count; {@link fiberKind} stands for Effect fibers. Default {@link defaultKinds}. */
  readonly kinds?: ReadonlyArray<string>
  /**
   * How long the event loop may take to finish closing, in wall-clock
   * milliseconds (a TestClock would never advance it). Default `5000`.
   */
  readonly settleMillis?: number
}

const check = (
  before: Resources,
  options: LeakCheckOptions,
  started: Effect.Effect<ReadonlyArray<AnyFiber>>
): Effect.Effect<void, LeakError> =>
  Effect.withFiberRuntime((self) => {
    const kinds = options.kinds ?? defaultKinds
    const deadline = performance.now() + (options.settleMillis ?? 5_000)
    const loop: Effect.Effect<void, LeakError> = Effect.flatMap(started, (fibers) => {
      const { counts, fibers: left } = leaksSince(before, kinds, self, fibers)
      if (counts.size === 0) return Effect.void
      if (performance.now() >= deadline) {
        const named = left.map(describe)
        const list = [...counts]
          .map(
            ([kind, n]) =>
              `${n} × ${kind}${kind === fiberKind && named.length > 0 ? ` (${named.join(", ")})` : ""}`
          )
          .join(", ")
        return Effect.fail(
          new LeakError({
            leaked: counts,
            fibers: named,
            message: `still alive after the check's deadline: ${list}`
          })
        )
      }
      return Effect.zipRight(turn, loop)
    })
    return loop
  })

/**
 * Succeeds once no more resources are alive than in `before` and no fiber
 * started since runs without a parent; fails with {@link LeakError} naming
 * the surplus if that does not happen within `settleMillis`.
 *
 * @since 0.1.0
 */
export const assertNoLeaks = (
  before: Resources,
  options: LeakCheckOptions = {}
): Effect.Effect<void, LeakError> => check(before, options, Effect.succeed([]))

/**
 * Runs the effect, then asserts it left nothing alive that was not alive
 * before it started: no Node resource, and no fiber it started, whether
 * forked with a parent or not.
 *
 * @since 0.1.0
 */
export const around = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: LeakCheckOptions = {}
): Effect.Effect<A, E | LeakError, R> =>
  Effect.flatMap(Effect.zip(snapshot, Supervisor.track), ([before, started]) =>
    Effect.tap(Effect.supervised(effect, started), () => check(before, options, started.value))
  )
