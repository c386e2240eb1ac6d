/**
 * From a request's URL to the endpoint it goes to and the request-target it
 * names, without building a `URL` object for the common case.
 *
 * A `URL` costs several microseconds a request in allocation and getters.
 * Most request URLs are already in the form WHATWG parsing would leave
 * untouched (lower-case scheme and host, no dot segments, no characters it
 * would percent-encode, no fragment); those are split by hand. Anything else
 * goes through `URL`, so both roads give the same answer.
 *
 * @internal
 */
import * as Endpoint from "../../Endpoint.js"

/** @internal */
export interface RequestTarget {
  readonly endpoint: Endpoint.Endpoint
  /** Path and query, as sent on the request line. */
  readonly target: string
}

const HOST = new Uint8Array(128)
const PATH = new Uint8Array(128)
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789-.") HOST[c.charCodeAt(0)] = 1
// Characters WHATWG URL keeps as they are in a path and query (no "#", "\\",
// space, quotes, "<", ">", "^", "`", "{", "|", "}"); "%" is checked apart.
// "'" is left out: URL escapes it in the query of http and https URLs.
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&()*+,;=:@/?") {
  PATH[c.charCodeAt(0)] = 1
}
const HEXDIG = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128)
  for (const c of "0123456789abcdefABCDEF") t[c.charCodeAt(0)] = 1
  return t
})()

/** Endpoints are shared between requests to the same origin; bounded so many origins cannot grow it forever. */
const endpoints = new Map<string, Endpoint.Endpoint>()
const MAX_ENDPOINTS = 1024

const internEndpoint = (origin: string, scheme: "http" | "https", host: string, port: number | undefined) => {
  let endpoint = endpoints.get(origin)
  if (endpoint === undefined) {
    if (endpoints.size >= MAX_ENDPOINTS) endpoints.clear()
    endpoint = Endpoint.make(scheme, host, port)
    endpoints.set(origin, endpoint)
  }
  return endpoint
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/**
 * A host URL would leave as written. A name whose last label is numeric is
 * read as an IPv4 address in any of several notations (`2130706433`,
 * `0x7f.1`), so only the canonical dotted quad passes here. An empty last
 * label (an empty host, or a trailing dot URL may strip) is neither a letter
 * nor a dotted quad, so it is left to URL too.
 */
const plainHost = (host: string): boolean => {
  const last = host.slice(host.lastIndexOf(".") + 1)
  const c = last.charCodeAt(0)
  if (c < 48 || c > 57) return true
  return DOTTED_QUAD.test(host)
}

/** Splits `http(s)://host[:port][/path][?query]` when parsing it would change nothing, else `undefined`. */
const parseSimple = (url: string): RequestTarget | undefined => {
  let scheme: "http" | "https"
  let i: number
  if (url.startsWith("http://")) {
    scheme = "http"
    i = 7
  } else if (url.startsWith("https://")) {
    scheme = "https"
    i = 8
  } else return undefined
  const hostStart = i
  while (i < url.length) {
    const c = url.charCodeAt(i)
    if (c >= 128 || HOST[c] !== 1) break
    i++
  }
  const hostEnd = i
  if (!plainHost(url.slice(hostStart, hostEnd))) return undefined
  let port: number | undefined
  if (url.charCodeAt(i) === 58 /* : */) {
    const portStart = ++i
    while (i < url.length && url.charCodeAt(i) >= 48 && url.charCodeAt(i) <= 57) i++
    // URL drops a port equal to the scheme's default and leading zeros; leave those to it.
    if (i === portStart || i - portStart > 5 || url.charCodeAt(portStart) === 48) return undefined
    port = Number(url.slice(portStart, i))
    if (port > 65535 || port === (scheme === "https" ? 443 : 80)) return undefined
  }
  const origin = url.slice(0, i)
  if (i === url.length) {
    return { endpoint: internEndpoint(origin, scheme, url.slice(hostStart, hostEnd), port), target: "/" }
  }
  const c0 = url.charCodeAt(i)
  if (c0 !== 47 /* / */ && c0 !== 63 /* ? */) return undefined
  const pathStart = i
  let inQuery = c0 === 63
  for (; i < url.length; i++) {
    const c = url.charCodeAt(i)
    if (c >= 128 || PATH[c] !== 1) {
      if (c !== 37 /* % */ || HEXDIG[url.charCodeAt(i + 1)] !== 1 || HEXDIG[url.charCodeAt(i + 2)] !== 1)
        return undefined
      // "%2e" counts as a dot when URL resolves dot segments.
      if (!inQuery && url.charCodeAt(i + 1) === 50 && (url.charCodeAt(i + 2) | 0x20) === 101) return undefined
    } else if (c === 63) inQuery = true
    // Dot segments are rewritten by URL: "/." followed by "/", "?", "." or the end.
    else if (!inQuery && c === 46 && url.charCodeAt(i - 1) === 47) return undefined
  }
  // URL reports an empty query as no query at all.
  const rest = url.slice(
    pathStart,
    url.charCodeAt(url.length - 1) === 63 && url.indexOf("?") === url.length - 1 ? -1 : undefined
  )
  return {
    endpoint: internEndpoint(origin, scheme, url.slice(hostStart, hostEnd), port),
    target: c0 === 63 ? `/${rest}` : rest
  }
}

let lastUrl: string | undefined = undefined
let lastTarget: RequestTarget | undefined = undefined

/**
 * The endpoint and request-target of an absolute URL; `undefined` when its
 * scheme is not http or https. Throws what `new URL` throws for an invalid URL.
 *
 * @internal
 */
export const parseRequestTarget = (url: string | URL): RequestTarget | undefined => {
  if (typeof url === "string") {
    // Programs tend to send to one URL many times in a row; targets are immutable, so share the last.
    if (url === lastUrl) return lastTarget
    const simple = parseSimple(url)
    if (simple !== undefined) {
      lastUrl = url
      lastTarget = simple
      return simple
    }
  }
  const parsed = typeof url === "string" ? new URL(url) : url
  const endpoint = Endpoint.fromUrl(parsed)
  if (endpoint === undefined) return undefined
  return { endpoint, target: parsed.pathname + parsed.search }
}
