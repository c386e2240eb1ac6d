import * as Effect from "effect/Effect"
import type { RunPlan } from "./types.js"

/**
 * How an Effect client's requests are issued. `workers`: `concurrency` long-lived fibers, each sending one
 * request after the other, as an application writes a bounded loop. `fiber-per-request`: `Effect.forEach`
 * over the requests with `{ concurrency, discard: true }`, as an application writes a fan-out. (Effect 3
 * runs a bounded `forEach` on `concurrency` fibers that each take the next item after a `yieldNow`, and
 * wraps every item in `exit` and a restored interruptibility: that, not a fork, is what it costs per item.)
 */
export type EffectDriver = "workers" | "fiber-per-request"

/** Times one request and hands its latency to the plan once it has completed. */
const timed = <E, R>(request: Effect.Effect<void, E, R>, plan: RunPlan): Effect.Effect<void, E, R> =>
  Effect.suspend(() => {
    const started = process.hrtime.bigint()
    return Effect.map(request, () => plan.record(Number(process.hrtime.bigint() - started)))
  })

/** Long-lived worker fibers, as an application would write a bounded-concurrency loop. */
const workers = <E, R>(request: Effect.Effect<void, E, R>, plan: RunPlan): Effect.Effect<void, E, R> =>
  Effect.suspend(() => {
    const worker = Effect.gen(function* () {
      while (plan.next()) {
        const started = process.hrtime.bigint()
        yield* request
        plan.record(Number(process.hrtime.bigint() - started))
      }
    })
    return Effect.all(
      Array.from({ length: plan.concurrency }, () => worker),
      { concurrency: "unbounded", discard: true }
    )
  })

/**
 * Requests per `Effect.forEach` after the first. The forEach takes its whole list up front, and a
 * time-bound phase knows its request count only once its time is up: the first list is the plan's
 * `expected` count, and where that falls short, lists of this many follow. Lists cost: every one ends with
 * fewer than `concurrency` requests in flight, and starts and joins `concurrency` fibers; Effect over undici
 * cut into lists of 50 takes 1.7 to 1.9 times the CPU per request of one list.
 */
export const requestsPerList = (concurrency: number): number => Math.max(1, concurrency) * 20

/** Claims up to `count` requests from the plan: the list one `Effect.forEach` goes over. */
const claim = (plan: RunPlan, count: number): ReadonlyArray<number> => {
  const claimed: Array<number> = []
  while (claimed.length < count && plan.next()) claimed.push(claimed.length)
  return claimed
}

/**
 * A fiber per request: `Effect.forEach(requests, () => request, { concurrency, discard: true })` over the
 * plan's expected count, then over further lists until the plan says stop. A burst's or a fresh client's
 * requests make one list.
 */
const fiberPerRequest = <E, R>(
  request: Effect.Effect<void, E, R>,
  plan: RunPlan
): Effect.Effect<void, E, R> => {
  const one = timed(request, plan)
  const send = () => one
  const over = (size: number): Effect.Effect<void, E, R> =>
    Effect.suspend(() => {
      const requests = claim(plan, size)
      if (requests.length === 0) return Effect.void
      return Effect.zipRight(
        Effect.forEach(requests, send, { concurrency: plan.concurrency, discard: true }),
        over(requestsPerList(plan.concurrency))
      )
    })
  return over(plan.expected)
}

/** Runs `request` as the plan says, under the chosen driver. */
export const drive = <E, R>(
  driver: EffectDriver,
  request: Effect.Effect<void, E, R>,
  plan: RunPlan
): Effect.Effect<void, E, R> =>
  driver === "workers" ? workers(request, plan) : fiberPerRequest(request, plan)
