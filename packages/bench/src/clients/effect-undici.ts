import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { Pool } from "undici"
import { drive } from "./effect-drivers.js"
import type { EffectDriver } from "./effect-drivers.js"
import { requestBody, rotation } from "./target-helpers.js"
import { statusMismatch } from "./types.js"
import type { ClientAdapter, Target } from "./types.js"

class UndiciExchangeError extends Data.TaggedError("UndiciExchangeError")<{
  readonly origin: string
  readonly phase: "request" | "body" | "check"
  readonly message: string
  readonly cause?: unknown
}> {}

const failure = (origin: string, phase: "request" | "body") => (cause: unknown) =>
  new UndiciExchangeError({ origin, phase, message: `undici ${phase} failed: ${String(cause)}`, cause })

/**
 * The thinnest Effect program over undici: the request and the body read each wrapped in
 * `Effect.tryPromise`. The callbacks take no `AbortSignal`, so that `tryPromise` builds no
 * `AbortController` per call, as an application that does not cancel requests would write it.
 */
const exchangeOn = (target: Target, pool: Pool, origin: string): Effect.Effect<void, UndiciExchangeError> => {
  const body = requestBody(target) ?? null
  const onRequest = failure(origin, "request")
  const onBody = failure(origin, "body")
  return Effect.flatMap(
    Effect.tryPromise({
      try: () => pool.request({ path: target.path, method: target.method, body }),
      catch: onRequest
    }),
    (response) =>
      Effect.flatMap(
        Effect.tryPromise({ try: () => response.body.arrayBuffer(), catch: onBody }),
        (received) => {
          if (response.statusCode !== target.expectedStatus) {
            const message = statusMismatch(target, response.statusCode)
            return Effect.fail(new UndiciExchangeError({ origin, phase: "check", message }))
          }
          if (received.byteLength !== target.expectedBytes) {
            const message = `${received.byteLength} body bytes, expected ${target.expectedBytes}`
            return Effect.fail(new UndiciExchangeError({ origin, phase: "check", message }))
          }
          return Effect.void
        }
      )
  )
}

/**
 * undici's `Pool`, one per origin and sized as the scenario says (50 connections at 50 concurrent), under
 * an Effect program that adds nothing but the effects themselves: what running on Effect costs by itself,
 * without any `HttpClient`. `driver` says how the requests are issued.
 */
export const adapterWith = (driver: EffectDriver): ClientAdapter => ({
  start: async (target) => {
    const pools = target.origins.map(({ origin }) => ({
      origin,
      pool: new Pool(origin, {
        connections: target.connections,
        pipelining: target.pipelining,
        ...(target.ca === undefined ? {} : { connect: { ca: target.ca } })
      })
    }))
    const exchanges = pools.map(({ origin, pool }) => exchangeOn(target, pool, origin))
    const [only] = exchanges
    const request = only !== undefined && exchanges.length === 1 ? only : Effect.suspend(rotation(exchanges))
    return {
      run: (plan) => Effect.runPromise(drive(driver, request, plan)),
      close: async () => void (await Promise.all(pools.map(({ pool }) => pool.close())))
    }
  }
})
