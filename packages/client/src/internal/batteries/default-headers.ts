/**
 * Headers every request carries unless it sets its own, and a base URL for
 * relative ones.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { version } from "./version.js"

/**
 * Options of {@link defaultHeaders}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** `User-Agent`, or `false` for none. Default `effect-requests/<version>`. */
  readonly userAgent?: string | false
  /** `Accept`, or `false` for none. Default `*\/*`. */
  readonly accept?: string | false
  /** More headers, each sent unless the request sets it. Default: none. */
  readonly headers?: Headers.Input
  /**
   * Prefix of relative request URLs: `baseUrl: "https://api.test/v1"` sends
   * `get("users")` and `get("/users")` alike to `https://api.test/v1/users`.
   * URLs with a scheme are left alone. Default: none.
   */
  readonly baseUrl?: string | URL
}

/** The `User-Agent` sent by default. */
export const userAgent = `effect-requests/${version}`

const isSchemeChar = (code: number, first: boolean): boolean =>
  (code >= 97 && code <= 122) ||
  (code >= 65 && code <= 90) ||
  (!first && ((code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46))

/** The URL starts with a scheme (`https:`, `mailto:`...), so is not relative. */
export const hasScheme = (url: string): boolean => {
  for (let i = 0; i < url.length; i++) {
    const code = url.charCodeAt(i)
    if (code === 58) return i > 0
    if (!isSchemeChar(code, i === 0)) return false
  }
  return false
}

/** `base` and `url` joined by exactly one slash. */
const join = (base: string, url: string): string => {
  if (url === "") return base
  const start = url.charCodeAt(0) === 47 ? 1 : 0
  const separator = url.charCodeAt(start) === 63 || url.charCodeAt(start) === 35 ? "" : "/"
  return `${base}${separator}${url.slice(start)}`
}

/**
 * Adds `User-Agent`, `Accept` and `headers` to requests that lack them, and
 * prefixes relative URLs with `baseUrl`. Each request costs one copy of its
 * headers when something is missing, nothing otherwise.
 *
 * @since 0.1.0
 */
export const defaultHeaders = (options: Options = {}) => {
  const entries: Array<readonly [string, string]> = []
  const agent = options.userAgent ?? userAgent
  if (agent !== false) entries.push(["user-agent", agent])
  const accept = options.accept ?? "*/*"
  if (accept !== false) entries.push(["accept", accept])
  if (options.headers !== undefined) {
    for (const [name, value] of Object.entries(Headers.fromInput(options.headers)))
      entries.push([name, value])
  }
  const all: Headers.Headers = Headers.fromInput(entries)
  const base = options.baseUrl === undefined ? undefined : String(options.baseUrl).replace(/\/+$/, "")

  const apply = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest => {
    let missing: Record<string, string> | undefined = undefined
    let count = 0
    for (const [name, value] of entries) {
      if (request.headers[name] !== undefined) continue
      ;(missing ??= {})[name] = value
      count++
    }
    let result = request
    if (missing !== undefined)
      result = HttpClientRequest.setHeaders(request, count === entries.length ? all : missing)
    if (base !== undefined && !hasScheme(request.url))
      result = HttpClientRequest.setUrl(result, join(base, request.url))
    return result
  }
  return <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
    HttpClient.mapRequest(client, apply)
}
