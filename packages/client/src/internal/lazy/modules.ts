/**
 * Modules loaded on first use. What only some requests need (a content
 * decoder, a proxy protocol, the cookie jar, HTTP/2) is loaded when the
 * first of them needs it, so that importing the client and making its first
 * plain request pay only for what that request uses.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/**
 * An `import()` run on first use and cached: later uses succeed at once with
 * the module. A module that fails to load is a defect (a broken install).
 *
 * @internal
 */
export const lazyImport = <A>(load: () => Promise<A>): Effect.Effect<A> => {
  let loaded: A | undefined
  let loading: Promise<A> | undefined
  const first = Effect.promise(() => (loading ??= load())).pipe(
    Effect.tap((module) => {
      loaded = module
    })
  )
  return Effect.suspend(() => (loaded === undefined ? first : Effect.succeed(loaded)))
}

/**
 * A Node built-in module, loaded synchronously on first call: for built-ins
 * whose own start-up costs milliseconds (`node:zlib`, `node:http2`) and that
 * a plain request never touches.
 *
 * @internal
 */
export const lazyBuiltin = <K extends "node:zlib" | "node:http2">(
  id: K
): (() => ReturnType<typeof process.getBuiltinModule<K>>) => {
  let loaded: ReturnType<typeof process.getBuiltinModule<K>> | undefined
  return () => (loaded ??= process.getBuiltinModule(id))
}
