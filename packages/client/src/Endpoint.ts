/**
 * Where a connection goes: the unit every pool is keyed by.
 *
 * @since 0.1.0
 */

/**
 * A connection target. Two requests share connections only when their
 * endpoints have the same `key`.
 *
 * @since 0.1.0
 */
export interface Endpoint {
  readonly scheme: "http" | "https"
  /** Host name or IP literal as written in the URL, without brackets. */
  readonly host: string
  readonly port: number
  /** `scheme://host:port`, also the name errors and stats use. */
  readonly key: string
  /** The `Host` header value: the port is omitted when it is the scheme's default. */
  readonly authority: string
}

const defaultPort = (scheme: "http" | "https"): number => (scheme === "https" ? 443 : 80)

/**
 * Builds an endpoint from its parts.
 *
 * @since 0.1.0
 */
export const make = (scheme: "http" | "https", host: string, port?: number): Endpoint => {
  const p = port ?? defaultPort(scheme)
  const hostPart = host.includes(":") ? `[${host}]` : host
  return {
    scheme,
    host,
    port: p,
    key: `${scheme}://${hostPart}:${p}`,
    authority: p === defaultPort(scheme) ? hostPart : `${hostPart}:${p}`
  }
}

/**
 * The endpoint of a URL, or `undefined` when its scheme is not `http:` or `https:`.
 *
 * @since 0.1.0
 */
export const fromUrl = (url: URL): Endpoint | undefined => {
  const scheme = url.protocol === "https:" ? "https" : url.protocol === "http:" ? "http" : undefined
  if (scheme === undefined) return undefined
  // URL keeps brackets around IPv6 literals; sockets and SNI want them off.
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  return make(scheme, host, url.port === "" ? undefined : Number(url.port))
}
