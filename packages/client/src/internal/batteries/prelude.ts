/**
 * The headers a stack of batteries adds to every call (`User-Agent`,
 * `Accept`, client-wide headers, `Accept-Encoding`) and the base URL, in
 * one copy of the request, with header sets built once per client.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { acceptEncoding } from "./decoders.js"
import { currentOverride } from "./decompression-override.js"
import type { FiberRefs, Prelude } from "./stack.js"
import { version } from "./version.js"

/**
 * Options of `DefaultHeaders.defaultHeaders`.
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

/** The default headers of `options`, in the order they are sent. */
const entriesOf = (options: Options): Array<readonly [string, string]> => {
  const entries: Array<readonly [string, string]> = []
  const agent = options.userAgent ?? userAgent
  if (agent !== false) entries.push(["user-agent", agent])
  const accept = options.accept ?? "*/*"
  if (accept !== false) entries.push(["accept", accept])
  if (options.headers !== undefined) {
    for (const [name, value] of Object.entries(Headers.fromInput(options.headers))) {
      const at = entries.findIndex(([known]) => known === name)
      if (at >= 0) entries[at] = [name, value]
      else entries.push([name, value])
    }
  }
  return entries
}

/** One set of headers to add: all of them at once, or those the request lacks. */
class HeaderSet {
  readonly headers: Headers.Headers
  readonly names: ReadonlyArray<string>
  constructor(entries: ReadonlyArray<readonly [string, string]>) {
    this.headers = Headers.fromInput(entries)
    this.names = entries.map(([name]) => name)
  }

  /** `own` lacks one of the set's headers. */
  missingFrom(own: Headers.Headers): boolean {
    for (const name of this.names) if (own[name] === undefined) return true
    return false
  }
}

/**
 * A copy of `request` with `url` and exactly `headers`. The platform's
 * setters merge headers into a copy of a copy; this request is fresh from
 * `setUrl` and not yet shared, so its headers are set in place.
 */
const copyWith = (
  request: HttpClientRequest.HttpClientRequest,
  url: string,
  headers: Headers.Headers
): HttpClientRequest.HttpClientRequest => {
  const copy: {
    -readonly [K in keyof HttpClientRequest.HttpClientRequest]: HttpClientRequest.HttpClientRequest[K]
  } = HttpClientRequest.setUrl(request, url)
  copy.headers = headers
  return copy
}

/** Options of {@link makePrelude}. */
export interface PreludeOptions {
  /** Default headers and base URL; `undefined` for none. */
  readonly defaults: Options | undefined
  /** Send `Accept-Encoding` with every coding the runtime decodes, unless the fiber disabled decompression. */
  readonly acceptEncoding: boolean
}

/**
 * Adds the default headers a request lacks and resolves its URL against
 * the base. A request that sets no header of its own (the common case)
 * takes a header set built for the client, as is; one that sets some
 * costs one merge. A request that needs nothing is returned as it is.
 */
export const makePrelude = (options: PreludeOptions): Prelude | undefined => {
  const entries = options.defaults === undefined ? [] : entriesOf(options.defaults)
  const base =
    options.defaults?.baseUrl === undefined ? undefined : String(options.defaults.baseUrl).replace(/\/+$/, "")
  const addsEncoding = options.acceptEncoding && !entries.some(([name]) => name === "accept-encoding")
  if (entries.length === 0 && !addsEncoding && base === undefined) return undefined
  const plain = new HeaderSet(entries)
  const encoded = addsEncoding ? new HeaderSet([...entries, ["accept-encoding", acceptEncoding]]) : plain

  return (
    request: HttpClientRequest.HttpClientRequest,
    fiber: FiberRefs
  ): HttpClientRequest.HttpClientRequest => {
    const set = addsEncoding && fiber.getFiberRef(currentOverride).enabled ? encoded : plain
    const url = base !== undefined && !hasScheme(request.url) ? join(base, request.url) : request.url
    const own = request.headers
    if (own === Headers.empty) {
      return set.names.length === 0 && url === request.url ? request : copyWith(request, url, set.headers)
    }
    if (set.missingFrom(own)) return copyWith(request, url, Headers.merge(set.headers, own))
    return url === request.url ? request : HttpClientRequest.setUrl(request, url)
  }
}
