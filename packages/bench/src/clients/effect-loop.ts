// Modules by path rather than through the packages' index, which loads every module of effect,
// @effect/platform and @effect/platform-node: a second or more per client process on a small machine.
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Layer from "effect/Layer"
import { requestBody, rotation, urls } from "./target-helpers.js"
import { statusMismatch } from "./types.js"
import type { ClientDriver, RunPlan, Target } from "./types.js"

class BenchResponseError extends Data.TaggedError("BenchResponseError")<{ readonly message: string }> {}

/** One exchange as an application writes it: the request is built per call, the body read to the end. */
const exchangeWith = (target: Target, url: string) => {
  const bytes = requestBody(target)
  const send =
    target.method === "GET"
      ? HttpClient.get(url)
      : HttpClient.put(url, {
          body: bytes === undefined ? HttpBody.empty : HttpBody.uint8Array(bytes, "application/octet-stream")
        })
  return send.pipe(
    Effect.filterOrFail(
      (response) => response.status === target.expectedStatus,
      (response) => new BenchResponseError({ message: statusMismatch(target, response.status) })
    ),
    Effect.flatMap((response) => response.arrayBuffer),
    Effect.filterOrFail(
      (body) => body.byteLength === target.expectedBytes,
      (body) =>
        new BenchResponseError({ message: `${body.byteLength} body bytes, expected ${target.expectedBytes}` })
    ),
    Effect.asVoid
  )
}

/** With one origin the exchange is used as is; with several, each call takes the next origin's. */
const exchange = (target: Target) => {
  const perOrigin = urls(target).map((url) => exchangeWith(target, url))
  const [only] = perOrigin
  if (only !== undefined && perOrigin.length === 1) return only
  const next = rotation(perOrigin)
  return Effect.suspend(next)
}

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
 * Drives any `HttpClient` layer: one runtime per client, one `runPromise` per batch. `beforeClose` runs once
 * the last request is done, with the client still open, so that it can inspect what the client did; its
 * failure fails the run.
 */
export const startEffectClient = async <E, R = never>(
  layer: Layer.Layer<HttpClient.HttpClient | R, E>,
  target: Target,
  beforeClose?: Effect.Effect<void, unknown, HttpClient.HttpClient | R>
): Promise<ClientDriver> => {
  const runtime = ManagedRuntime.make(layer)
  // Building the layer here makes a broken layer a start failure rather than a run failure.
  await runtime.runtime()
  const request = exchange(target)
  return {
    run: (plan) => runtime.runPromise(workers(request, plan)),
    close: async () => {
      try {
        if (beforeClose !== undefined) await runtime.runPromise(beforeClose)
      } finally {
        await runtime.dispose()
      }
    }
  }
}
