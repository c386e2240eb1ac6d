import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ToughCookie from "tough-cookie"
import { CookieJar, isCookieJar } from "../../../src/internal/batteries/cookie-jar.js"
import { deserialize, serialize } from "../../../src/internal/batteries/cookies.js"

describe("CookieJar loaded on first use", () => {
  it("constructs, extends and answers instanceof as tough-cookie's class", async () => {
    const jar = new CookieJar()
    expect(jar).toBeInstanceOf(CookieJar)
    await jar.setCookie("a=1", "http://example.test/")
    expect(await jar.getCookieString("http://example.test/")).toBe("a=1")

    class Named extends CookieJar {
      readonly name = "named"
    }
    const named = new Named()
    expect(named).toBeInstanceOf(Named)
    expect(named).toBeInstanceOf(CookieJar)
    expect(named.name).toBe("named")
    expect(CookieJar.name).toBe(ToughCookie.CookieJar.name)
  })

  it.effect("serializes and deserializes through the static methods", () =>
    Effect.gen(function* () {
      const jar = new CookieJar()
      yield* Effect.promise(() => jar.setCookie("b=2; Path=/", "http://example.test/"))
      const restored = yield* deserialize(yield* serialize(jar))
      expect(restored).toBeInstanceOf(CookieJar)
      expect(yield* Effect.promise(() => restored.getCookieString("http://example.test/x"))).toBe("b=2")
    })
  )

  it("tells jars by their shape, whichever build made them", () => {
    expect(isCookieJar(new ToughCookie.CookieJar())).toBe(true)
    expect(isCookieJar(new CookieJar())).toBe(true)
    expect(isCookieJar({ sameSiteContext: "lax" })).toBe(false)
    expect(isCookieJar(true)).toBe(false)
    expect(isCookieJar(undefined)).toBe(false)
  })
})
