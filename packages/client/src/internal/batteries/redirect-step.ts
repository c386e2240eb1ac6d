/**
 * The request a redirect response leads to, by RFC 9110 section 15.4 and
 * the Fetch standard's handling of methods.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import { header, isReplayable, requestUrl, withoutHeaders } from "./client.js"
import type { Hop } from "./redirect-errors.js"
import {
  InvalidRedirectError,
  RedirectBodyError,
  RedirectDowngradeError,
  type RedirectError
} from "./redirect-errors.js"

const followed: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Headers that carry the caller's identity and must not reach another origin. */
export const credentialHeaders: ReadonlyArray<string> = ["authorization", "cookie", "proxy-authorization"]

/** Where a redirect goes, and what is sent there. */
export interface Step {
  readonly hop: Hop
  readonly request: HttpClientRequest.HttpClientRequest
  readonly strippedCredentials: boolean
}

const parseLocation = (location: string, base: URL): URL | undefined => {
  try {
    const url = new URL(location, base)
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined
    // A fragment-less Location keeps the fragment of the request (RFC 9110 10.2.2).
    if (url.hash === "" && base.hash !== "") url.hash = base.hash
    return url
  } catch {
    return undefined
  }
}

/** The request with its body dropped and its method turned to GET. */
const asGet = (request: HttpClientRequest.HttpClientRequest) =>
  HttpClientRequest.setBody(HttpClientRequest.setMethod(request, "GET"), HttpBody.empty)

/**
 * The next request for `response` to `request`, a typed refusal, or
 * `undefined` when the response is not a redirect to follow.
 */
export const nextStep = (
  request: HttpClientRequest.HttpClientRequest,
  response: HttpClientResponse.HttpClientResponse,
  chain: ReadonlyArray<Hop>,
  allowDowngrade: boolean
): Step | RedirectError | undefined => {
  const status = response.status
  if (!followed.has(status)) return undefined
  const location = header(response.headers, "location")
  if (location === undefined) return undefined
  // The URL actually requested: a client below may have rewritten it.
  const current = requestUrl(response.request) ?? requestUrl(request)
  const target = current === undefined ? undefined : parseLocation(location, current)
  if (current === undefined || target === undefined) {
    return new InvalidRedirectError({ url: current?.href ?? request.url, location, chain })
  }
  const hop: Hop = { method: request.method, url: current.href, status, location: target.href }
  if (current.protocol === "https:" && target.protocol === "http:" && !allowDowngrade) {
    return new RedirectDowngradeError({ from: current.href, to: target.href, chain: [...chain, hop] })
  }
  let next = request
  if (
    (status === 303 && request.method !== "HEAD") ||
    ((status === 301 || status === 302) && request.method === "POST")
  ) {
    next = asGet(request)
  } else if (!isReplayable(request.body)) {
    return new RedirectBodyError({
      url: current.href,
      status,
      method: request.method,
      chain: [...chain, hop]
    })
  }
  const strippedCredentials =
    target.origin !== current.origin && credentialHeaders.some((name) => next.headers[name] !== undefined)
  if (strippedCredentials) next = withoutHeaders(next, credentialHeaders)
  next = HttpClientRequest.setUrlParams(next, UrlParams.empty)
  next = HttpClientRequest.removeHash(HttpClientRequest.setUrl(next, target.href))
  return { hop, request: next, strippedCredentials }
}
