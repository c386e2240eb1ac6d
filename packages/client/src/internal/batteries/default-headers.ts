/**
 * Headers every request carries unless it sets its own, and a base URL for
 * relative ones.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { makePrelude, type Options } from "./prelude.js"
import { stack } from "./stack.js"

export { hasScheme, type Options, userAgent } from "./prelude.js"

/**
 * Adds `User-Agent`, `Accept` and `headers` to requests that lack them, and
 * prefixes relative URLs with `baseUrl`. A request that sets none of its own
 * headers takes a header set built once for the client; one that does costs
 * one merge.
 *
 * @since 0.1.0
 */
export const defaultHeaders =
  (options: Options = {}) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
    stack<E, R, never>(client, makePrelude({ defaults: options, acceptEncoding: false }), [])
