/**
 * The protocol hints of the router: trusted for their time to live on
 * Effect's Clock, and no longer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Endpoint from "../../../src/Endpoint.js"
import { Hints } from "../../../src/internal/router/hints.js"

const a = Endpoint.make("https", "a.test", 8443)
const b = Endpoint.make("https", "b.test", 8443)

describe("Hints", () => {
  it.effect("a hint is trusted for its time to live, not a millisecond more", () =>
    Effect.gen(function* () {
      const hints = yield* Hints.make(yield* Effect.clock, 1_000)
      expect(yield* hints.fresh(a)).toBeUndefined()
      yield* hints.remember(a, "h2")
      yield* TestClock.adjust(999)
      expect(yield* hints.fresh(a)).toBe("h2")
      yield* TestClock.adjust(1)
      expect(yield* hints.fresh(a)).toBeUndefined()
      // Still listed until replaced or forgotten: `all` reports what is known, fresh or not.
      expect(yield* hints.all).toEqual(new Map([[a.key, "h2"]]))
    })
  )

  it.effect("remembering again renews the hint; forgetting drops only that endpoint's", () =>
    Effect.gen(function* () {
      const hints = yield* Hints.make(yield* Effect.clock, 1_000)
      yield* hints.remember(a, "h2")
      yield* hints.remember(b, "h2")
      yield* TestClock.adjust(600)
      yield* hints.remember(a, "http/1.1")
      yield* TestClock.adjust(600)
      expect(yield* hints.fresh(a)).toBe("http/1.1")
      expect(yield* hints.fresh(b)).toBeUndefined()
      yield* hints.forget(a)
      yield* hints.forget(a)
      expect(yield* hints.fresh(a)).toBeUndefined()
      expect(yield* hints.all).toEqual(new Map([[b.key, "h2"]]))
    })
  )
})
