import { HttpClient } from "@effect/platform"
import { Data, Effect, ManagedRuntime } from "effect"
import type { Layer } from "effect"
import type { ClientDriver, RunPlan, Target } from "./types.js"

class BenchResponseError extends Data.TaggedError("BenchResponseError")<{ readonly message: string }> {}

const getOnce = (target: Target) =>
  HttpClient.get(target.url).pipe(
    Effect.filterOrFail(
      (response) => response.status === 200,
      (response) => new BenchResponseError({ message: `status ${response.status}` })
    ),
    Effect.flatMap((response) => response.arrayBuffer),
    Effect.filterOrFail(
      (body) => body.byteLength === target.expectedBytes,
      (body) =>
        new BenchResponseError({ message: `${body.byteLength} body bytes, expected ${target.expectedBytes}` })
    ),
    Effect.asVoid
  )

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

/** Drives any `HttpClient` layer: one runtime for the whole run, one `runPromise` per batch. */
export const startEffectClient = async <E>(
  layer: Layer.Layer<HttpClient.HttpClient, E>,
  target: Target
): Promise<ClientDriver> => {
  const runtime = ManagedRuntime.make(layer)
  // Building the layer here makes a broken layer a start failure rather than a run failure.
  await runtime.runtime()
  const request = getOnce(target)
  return {
    run: (plan) => runtime.runPromise(workers(request, plan)),
    close: () => runtime.dispose()
  }
}
