import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { describe, expect, it } from "vitest"
import { drive, requestsPerList } from "../../src/clients/effect-drivers.js"
import type { EffectDriver } from "../../src/clients/effect-drivers.js"
import { phase } from "../../src/harness/plan.js"

class Refused extends Data.TaggedError("Refused")<{ readonly request: number }> {}

/** A request that yields once while in flight, so that concurrent ones overlap, and counts what it saw. */
const counting = (failAt?: number) => {
  const seen = { started: 0, inFlight: 0, most: 0 }
  const request = Effect.suspend(() => {
    const number = ++seen.started
    seen.inFlight++
    seen.most = Math.max(seen.most, seen.inFlight)
    return Effect.yieldNow().pipe(
      Effect.zipRight(number === failAt ? Effect.fail(new Refused({ request: number })) : Effect.void),
      Effect.ensuring(Effect.sync(() => seen.inFlight--))
    )
  })
  return { seen, request }
}

const drivers: ReadonlyArray<EffectDriver> = ["workers", "fiber-per-request"]

describe.each(drivers)("the %s driver", (driver) => {
  it("sends every request the plan claims, never more than its concurrency at once", async () => {
    const concurrency = 7
    // The plan expects fewer than it then claims, as when the machine speeds up after the warm-up: the
    // expected list, then whole lists, then a short one.
    const expected = 10
    const budget = expected + 2 * requestsPerList(concurrency) + 5
    const { seen, request } = counting()
    let claimed = 0
    let completed = 0
    await Effect.runPromise(
      drive(driver, request, {
        concurrency,
        expected,
        next: () => claimed++ < budget,
        record: () => completed++
      })
    )
    expect(seen.started).toBe(budget)
    expect(completed).toBe(budget)
    expect(seen.most).toBe(concurrency)
    expect(seen.inFlight).toBe(0)
  })

  it("has all of a burst's requests in flight at once", async () => {
    const count = 100
    const { seen, request } = counting()
    let claimed = 0
    let completed = 0
    await Effect.runPromise(
      drive(driver, request, {
        concurrency: count,
        expected: count,
        next: () => claimed++ < count,
        record: () => completed++
      })
    )
    expect(completed).toBe(count)
    expect(seen.most).toBe(count)
  })

  it("fails the run with the first failed request's error, and leaves nothing in flight", async () => {
    const { seen, request } = counting(30)
    const plan = phase(5, { minRequests: 1_000, minMs: 0 })
    const exit = await Effect.runPromiseExit(drive(driver, request, plan.plan))
    plan.dispose()
    expect(Exit.isFailure(exit) ? exit.cause.toString() : "succeeded").toContain("Refused")
    expect(seen.inFlight).toBe(0)
    expect(seen.started).toBeLessThan(1_000)
  })
})
