import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { parseRetryAfter } from "../../../src/internal/batteries/retry-after.js"

describe("Retry-After", () => {
  it("reads seconds and HTTP-dates, relative to now", () => {
    expect(parseRetryAfter("120", 0)).toBe(120_000)
    expect(parseRetryAfter(" 0 ", 0)).toBe(0)
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.UTC(2015, 9, 21, 7, 27, 30))).toBe(30_000)
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.UTC(2016, 0, 1))).toBe(0)
    expect(parseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", Date.UTC(2015, 9, 21, 7, 28))).toBe(0)
    expect(parseRetryAfter("Wed Oct 21 07:28:10 2015", Date.UTC(2015, 9, 21, 7, 28))).toBe(10_000)
    expect(parseRetryAfter("soon", 0)).toBeUndefined()
    expect(parseRetryAfter("2015-10-21", 0)).toBeUndefined()
    expect(parseRetryAfter("-5", 0)).toBeUndefined()
    expect(parseRetryAfter("", 0)).toBeUndefined()
  })

  it("any whole number of seconds, and any date to the second, comes back as milliseconds", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), (seconds) => {
        expect(parseRetryAfter(String(seconds), 0)).toBe(seconds * 1000)
      })
    )
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }),
        fc.nat({ max: 86_400_000 }),
        (date, ahead) => {
          const at = Math.floor(date.getTime() / 1000) * 1000
          expect(parseRetryAfter(new Date(at).toUTCString(), at - ahead)).toBe(ahead)
        }
      )
    )
  })
})
