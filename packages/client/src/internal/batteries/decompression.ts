/**
 * Transparent response decompression: asks for every coding the runtime can
 * decode and hands back bodies decoded, within limits.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import { around, withFiberRef } from "./client.js"
import { acceptEncoding, codingsToUndo } from "./decoders.js"
import { DecodedResponse, type Limits } from "./decoded-response.js"
import type { Listener } from "./events.js"

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

/** What one request asks for instead of the client's options. */
interface Override {
  readonly enabled: boolean
  readonly maxBodySize: number | undefined
}

const currentOverride = globalValue("@effect-requests/client/Decompression/override", () =>
  FiberRef.unsafeMake<Override>({ enabled: true, maxBodySize: undefined })
)

/** Responses whose body is never decoded: they have none. */
const untouched = (response: HttpClientResponse.HttpClientResponse): boolean =>
  response.request.method === "HEAD" || response.status === 204 || response.status === 304

const decoded = (
  response: HttpClientResponse.HttpClientResponse,
  limits: Limits,
  listener: Listener | undefined
): HttpClientResponse.HttpClientResponse => {
  if (untouched(response)) return response
  // Platform headers are keyed in lower case: a plain read, no Option.
  const contentEncoding = response.headers["content-encoding"]
  if (contentEncoding === undefined) return response
  const codings = codingsToUndo(contentEncoding)
  if (codings === undefined || codings.length === 0) return response
  return new DecodedResponse(response, codings, limits, listener)
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
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> => {
    const defaults: Limits = {
      maxBodySize: options.maxBodySize ?? Number.POSITIVE_INFINITY,
      maxRatio: options.maxRatio ?? 100,
      ratioThreshold: options.ratioThreshold ?? 1024 * 1024
    }
    const listener = options.events
    const withDefaults = (response: HttpClientResponse.HttpClientResponse) =>
      decoded(response, defaults, listener)
    return around(client, (request, send) =>
      withFiberRef(currentOverride, (override) => {
        if (!override.enabled) return send(request)
        const outgoing =
          request.headers["accept-encoding"] === undefined
            ? HttpClientRequest.setHeader(request, "accept-encoding", acceptEncoding)
            : request
        if (override.maxBodySize === undefined) return Effect.map(send(outgoing), withDefaults)
        const limits = { ...defaults, maxBodySize: override.maxBodySize }
        return Effect.map(send(outgoing), (response) => decoded(response, limits, listener))
      })
    )
  }

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
