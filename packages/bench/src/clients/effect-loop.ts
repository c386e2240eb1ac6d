// Modules by path rather than through the packages' index, which loads every module of effect,
// @effect/platform and @effect/platform-node: a second or more per client process on a small machine.
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Layer from "effect/Layer"
import { drive } from "./effect-drivers.js"
import type { EffectDriver } from "./effect-drivers.js"
import { requestBody, rotation, urls } from "./target-helpers.js"
import { statusMismatch } from "./types.js"
import type { ClientDriver, Target } from "./types.js"

class BenchResponseError extends Data.TaggedError("BenchResponseError")<{ readonly message: string }> {}

/** Status and body length checked, the body read to the end. */
const checked = <E, R>(
  target: Target,
  send: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>
): Effect.Effect<void, E | BenchResponseError | HttpClientError.ResponseError, R> =>
  send.pipe(
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

/** One exchange as an application writes it: the request is built per call, the body read to the end. */
const exchangeWith = (target: Target, url: string) => {
  const bytes = requestBody(target)
  const send =
    target.method === "GET"
      ? HttpClient.get(url)
      : HttpClient.put(url, {
          body: bytes === undefined ? HttpBody.empty : HttpBody.uint8Array(bytes, "application/octet-stream")
        })
  return checked(target, send)
}

/** With one origin the exchange is used as is; with several, each call takes the next origin's. */
const rotating = <A, E, R>(perOrigin: ReadonlyArray<Effect.Effect<A, E, R>>): Effect.Effect<A, E, R> => {
  const [only] = perOrigin
  if (only !== undefined && perOrigin.length === 1) return only
  return Effect.suspend(rotation(perOrigin))
}

/** What the worker loop sends: the `HttpClient` accessors, which build the request on every call. */
const workerExchange = (target: Target) => rotating(urls(target).map((url) => exchangeWith(target, url)))

/**
 * What a fan-out sends: `client.execute(request)` on a client and a request built once, the body read, the
 * whole in `Effect.scoped`, as the platform's documentation writes a request.
 */
const scopedExchange = (client: HttpClient.HttpClient, target: Target) => {
  const bytes = requestBody(target)
  const requests = urls(target).map((url) =>
    target.method === "GET"
      ? HttpClientRequest.get(url)
      : HttpClientRequest.put(url).pipe(
          bytes === undefined
            ? (request) => request
            : HttpClientRequest.bodyUint8Array(bytes, "application/octet-stream")
        )
  )
  return rotating(requests.map((request) => Effect.scoped(checked(target, client.execute(request)))))
}

/** Options of {@link startEffectClient}. */
export interface EffectClientOptions<R> {
  /**
   * Runs once the last request is done, with the client still open, so that it can inspect what the client
   * did; its failure fails the run. Default: nothing.
   */
  readonly beforeClose?: Effect.Effect<void, unknown, HttpClient.HttpClient | R>
  /** How the requests are issued. Default `"workers"`. */
  readonly driver?: EffectDriver
}

/** Drives any `HttpClient` layer: one runtime per client, one `runPromise` per batch. */
export const startEffectClient = async <E, R = never>(
  layer: Layer.Layer<HttpClient.HttpClient | R, E>,
  target: Target,
  options: EffectClientOptions<R> = {}
): Promise<ClientDriver> => {
  const runtime = ManagedRuntime.make(layer)
  // Building the layer here makes a broken layer a start failure rather than a run failure.
  await runtime.runtime()
  const driver = options.driver ?? "workers"
  const request =
    driver === "workers"
      ? workerExchange(target)
      : scopedExchange(await runtime.runPromise(HttpClient.HttpClient), target)
  return {
    run: (plan) => runtime.runPromise(drive(driver, request, plan)),
    close: async () => {
      try {
        if (options.beforeClose !== undefined) await runtime.runPromise(options.beforeClose)
      } finally {
        await runtime.dispose()
      }
    }
  }
}
