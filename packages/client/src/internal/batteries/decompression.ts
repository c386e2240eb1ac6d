/**
 * Transparent response decompression: asks for every coding the runtime can
 * decode and hands back bodies decoded, within limits.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import { codingsToUndo } from "./decoders.js"
import { DecodedResponse, type Limits } from "./decoded-response.js"
import { currentOverride } from "./decompression-override.js"
import type { Listener } from "./events.js"
import { makePrelude } from "./prelude.js"
import { responseHeader } from "./raw-header.js"
import { type Layer, stack } from "./stack.js"

/**
 * Options of {@link decompression}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Largest decoded body, in bytes. Default: no limit beyond the ratio. */
  readonly maxBodySize?: number
  /**
   * Largest ratio of decoded to received bytes, checked once the decoded
   * body passes `ratioThreshold`. Default `100`: text compresses 5 to 20
   * times, a decompression bomb a thousand times and more.
   */
  readonly maxRatio?: number
  /** Decoded bytes below which the ratio is not checked. Default `1 MiB`. */
  readonly ratioThreshold?: number
  /** Receives `Decompressed` events. Default: none. */
  readonly events?: Listener
}

/** Responses to HEAD, and 204 and 304 responses, have no body to decode. */
const bodiless = (response: HttpClientResponse.HttpClientResponse): boolean =>
  response.status === 204 || response.status === 304 || response.request.method === "HEAD"

/**
 * The decompression battery: decodes responses coming up from below, as a
 * change the step above applies. Its `Accept-Encoding` is sent by the
 * stack's prelude. A response without `content-encoding`, nearly every
 * one, costs that one header lookup.
 */
export const decompressionLayer = (options: Options = {}): Layer<never> => {
  const defaults: Limits = {
    maxBodySize: options.maxBodySize ?? Number.POSITIVE_INFINITY,
    maxRatio: options.maxRatio ?? 100,
    ratioThreshold: options.ratioThreshold ?? 1024 * 1024
  }
  const listener = options.events
  return {
    post: (response, fiber) => {
      const contentEncoding = responseHeader(response, "content-encoding")
      if (contentEncoding === undefined || bodiless(response)) return response
      const override = fiber.getFiberRef(currentOverride)
      if (!override.enabled) return response
      const codings = codingsToUndo(contentEncoding)
      if (codings === undefined || codings.length === 0) return response
      const limits =
        override.maxBodySize === undefined ? defaults : { ...defaults, maxBodySize: override.maxBodySize }
      return new DecodedResponse(response, codings, limits, listener)
    }
  }
}

/**
 * Sends `Accept-Encoding` with every coding the runtime decodes (`gzip,
 * deflate, br`, and `zstd` where node:zlib has it) unless the request sets
 * its own, and decodes the response body as it streams, stacked codings in
 * order. The decoded response has no `content-encoding` or
 * `content-length`. Responses to HEAD, 204 and 304 are untouched, as are
 * bodies in a coding the runtime does not know.
 *
 * A body that decodes past a limit fails its reader with a `ResponseError`
 * (reason `Decode`) whose cause is a `DecompressionLimitError`; a corrupt
 * one, with a `DecompressionError`.
 *
 * @since 0.1.0
 */
export const decompression =
  (options: Options = {}) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
    stack<E, R, never>(client, makePrelude({ defaults: undefined, acceptEncoding: true }), [
      decompressionLayer(options)
    ])

/**
 * Runs `effect` with its requests neither asking for nor decoding
 * compressed bodies.
 *
 * @since 0.1.0
 */
export const disabled = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentOverride, { enabled: false, maxBodySize: undefined })

/**
 * Runs `effect` with its decoded bodies limited to `maxBodySize` bytes.
 *
 * @since 0.1.0
 */
export const withMaxBodySize: {
  (maxBodySize: number): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, maxBodySize: number): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, maxBodySize: number): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentOverride, { enabled: true, maxBodySize })
)
