/**
 * What the batteries share about requests and responses: a request's URL,
 * copies without some headers, whether a body can be sent again, letting go
 * of a response the caller will never see.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpBody from "@effect/platform/HttpBody"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** The request's absolute URL, query and fragment included; `undefined` when it does not parse. */
export const requestUrl = (request: HttpClientRequest.HttpClientRequest): URL | undefined => {
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  return url._tag === "Right" ? url.right : undefined
}

/**
 * A copy of `request` with exactly `headers`: platform's setters only add
 * headers, so the copy is rebuilt from its parts.
 */
export const withHeaders = (
  request: HttpClientRequest.HttpClientRequest,
  headers: Headers.Headers
): HttpClientRequest.HttpClientRequest => {
  let copy = HttpClientRequest.get(request.url).pipe(
    HttpClientRequest.setMethod(request.method),
    HttpClientRequest.setUrlParams(request.urlParams),
    HttpClientRequest.setHeaders(headers)
  )
  if (Option.isSome(request.hash)) copy = HttpClientRequest.setHash(copy, request.hash.value)
  return request.body._tag === "Empty" ? copy : HttpClientRequest.setBody(copy, request.body)
}

/** A copy of `request` without the named headers, or `request` itself when it has none of them. */
export const withoutHeaders = (
  request: HttpClientRequest.HttpClientRequest,
  names: ReadonlyArray<string>
): HttpClientRequest.HttpClientRequest =>
  names.some((name) => request.headers[name] !== undefined)
    ? withHeaders(request, Headers.remove(request.headers, names as Array<string>))
    : request

/**
 * The body can be sent again: it is held in memory. A stream can be read
 * once; a raw body may be anything the transport accepts, a Node stream
 * among them.
 */
export const isReplayable = (body: HttpBody.HttpBody): boolean =>
  body._tag === "Empty" || body._tag === "Uint8Array" || body._tag === "FormData"

/** The body bytes read before a response is dropped, so its connection can be reused. */
const drainLimit = 64 * 1024

/**
 * Lets go of a response the caller will never see (a redirect, a retried
 * error). A short body is read to its end so the connection stays usable;
 * a longer one is abandoned, which closes the connection.
 */
export const discard = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> => {
  let seen = 0
  return response.stream.pipe(
    Stream.takeWhile((chunk) => (seen += chunk.length) <= drainLimit),
    Stream.runDrain,
    // The response is being dropped: a failure reading its body concerns
    // only its connection, which the client has already closed for it.
    Effect.ignore
  )
}

/** Reads an optional header without allocating an Option. */
export const header = (headers: Headers.Headers, name: string): string | undefined =>
  Option.getOrUndefined(Headers.get(headers, name))

export { HttpBody }
