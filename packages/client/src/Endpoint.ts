/**
 * Where a connection goes: the unit every pool is keyed by.
 *
 * @since 0.1.0
 */

/**
 * A proxy connections go through.
 *
 * @since 0.1.0
 */
export interface Proxy {
  /** `http` and `https` (TLS to the proxy itself) speak HTTP; `socks5h` and `socks4a` resolve names at the proxy. */
  readonly protocol: "http" | "https" | "socks5" | "socks5h" | "socks4a"
  readonly host: string
  readonly port: number
  /** From the proxy URL's userinfo, percent-decoded. */
  readonly username: string | undefined
  readonly password: string | undefined
  /** `protocol://[user@]host:port`: never the password; names the proxy in keys, errors and events. */
  readonly key: string
}

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
  /**
   * `scheme://host:port`, also the name errors and stats use; followed by
   * ` via <proxy key>` or ` via unix:<path>` when the connection goes there,
   * so that pools never mix routes.
   */
  readonly key: string
  /** The `Host` header value: the port is omitted when it is the scheme's default. */
  readonly authority: string
  /** The proxy connections go through; `undefined` for a direct connection. */
  readonly proxy?: Proxy | undefined
  /**
   * Through an HTTP proxy, plain-http requests are sent to the proxy in
   * absolute-form (`true`) rather than through a CONNECT tunnel.
   */
  readonly forward?: boolean | undefined
  /** A Unix domain socket to connect to instead of `host:port`. */
  readonly socketPath?: string | undefined
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

/**
 * The endpoint with its connections going through `proxy`; `forward` sends
 * plain-http requests in absolute-form instead of through a tunnel (HTTP
 * proxies only).
 *
 * @since 0.1.0
 */
export const viaProxy = (endpoint: Endpoint, proxy: Proxy, forward: boolean): Endpoint => {
  const direct = make(endpoint.scheme, endpoint.host, endpoint.port)
  const isForward =
    forward && endpoint.scheme === "http" && (proxy.protocol === "http" || proxy.protocol === "https")
  return { ...direct, key: `${direct.key} via ${proxy.key}`, proxy, forward: isForward }
}

/**
 * The endpoint with its connections going to a Unix domain socket.
 *
 * @since 0.1.0
 */
export const viaSocket = (endpoint: Endpoint, socketPath: string): Endpoint => {
  const direct = make(endpoint.scheme, endpoint.host, endpoint.port)
  return { ...direct, key: `${direct.key} via unix:${socketPath}`, socketPath }
}
