/**
 * tough-cookie's `CookieJar`, loaded by its first use. tough-cookie and the
 * public suffix list it carries take tens of milliseconds to load, which a
 * client without cookies should not pay at import.
 *
 * @internal
 */
import { createRequire } from "node:module"
import type * as ToughCookie from "tough-cookie"

// Synchronous, because `new Cookies.CookieJar()` is: the package's CommonJS
// build, the one build this client ever loads.
let loaded: typeof ToughCookie | undefined

/** tough-cookie, loaded on the first call. @internal */
export const toughCookie = (): typeof ToughCookie =>
  (loaded ??= createRequire(import.meta.url)("tough-cookie") as typeof ToughCookie)

/**
 * A stand-in for tough-cookie's `CookieJar` class that loads the package
 * when first constructed, extended, tested by `instanceof` or asked for a
 * static method, and then behaves as the class itself. The target is a
 * plain function, whose `prototype` (unlike a class's) may be reported as
 * the real class's.
 *
 * @internal
 */
export const CookieJar: typeof ToughCookie.CookieJar = new Proxy(
  function CookieJar() {} as unknown as typeof ToughCookie.CookieJar,
  {
    construct: (_target, args, newTarget) => Reflect.construct(toughCookie().CookieJar, args, newTarget),
    apply: (_target, self, args) => Reflect.apply(toughCookie().CookieJar, self, args),
    get: (_target, key) => Reflect.get(toughCookie().CookieJar, key),
    has: (_target, key) => Reflect.has(toughCookie().CookieJar, key)
  }
)

/** tough-cookie's jar, as a type. @internal */
export type CookieJar = ToughCookie.CookieJar

/**
 * Whether `value` is a jar, told by its shape: a user's jar may come from
 * tough-cookie's ES module build, another class than the one loaded here.
 *
 * @internal
 */
export const isCookieJar = (value: unknown): value is CookieJar =>
  typeof value === "object" &&
  value !== null &&
  "getCookieString" in value &&
  typeof value.getCookieString === "function" &&
  "setCookie" in value &&
  typeof value.setCookie === "function"
