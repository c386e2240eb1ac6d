/**
 * TLS settings and the small pieces of state the dialer keeps per origin.
 *
 * @since 0.1.0
 */
import type * as net from "node:net"
import type * as tls from "node:tls"

/**
 * TLS settings for `https` endpoints.
 *
 * @since 0.1.0
 */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). Default: Node's bundled roots. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>
  /** Client certificate (PEM) for mutual TLS. */
  readonly cert?: string | Buffer
  /** Private key (PEM) of the client certificate. */
  readonly key?: string | Buffer
  /** Verify the server's certificate and host name. Default `true`; turning it off also disables connection coalescing. */
  readonly rejectUnauthorized?: boolean
  /** Lowest TLS version accepted. Default `TLSv1.2`. */
  readonly minVersion?: tls.SecureVersion
  /** ALPN protocols offered, in preference order. Default `["http/1.1"]`; the router offers `h2` too. */
  readonly alpnProtocols?: ReadonlyArray<string>
  /** SNI and verification name when it differs from the URL's host. Default: the URL's host. */
  readonly servername?: string
  /** Resume TLS sessions per origin, saving a round trip on reconnect. Default `true`. */
  readonly sessionReuse?: boolean
}

/**
 * A DNS resolver with the signature of Node's `lookup`.
 *
 * @since 0.1.0
 */
export type Lookup = net.LookupFunction

/** @internal */
export interface ResolvedTls {
  readonly connect: tls.ConnectionOptions
  readonly alpnProtocols: ReadonlyArray<string>
  readonly servername: string | undefined
  readonly sessionReuse: boolean
}

/** @internal */
export const resolveTlsOptions = (options: TlsOptions = {}): ResolvedTls => ({
  connect: {
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    minVersion: options.minVersion ?? "TLSv1.2",
    ...(options.ca !== undefined
      ? { ca: typeof options.ca === "string" || Buffer.isBuffer(options.ca) ? options.ca : [...options.ca] }
      : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {})
  },
  alpnProtocols: options.alpnProtocols ?? ["http/1.1"],
  servername: options.servername,
  sessionReuse: options.sessionReuse ?? true
})

/**
 * Remembers the latest TLS session ticket per origin. Bounded, because a
 * client talking to many origins must not grow without limit.
 *
 * @internal
 */
export class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>()
  constructor(private readonly capacity = 256) {}
  get(key: string): Buffer | undefined {
    return this.sessions.get(key)
  }
  set(key: string, session: Buffer): void {
    // Re-inserting moves the key to the end, so the oldest origin goes first.
    this.sessions.delete(key)
    this.sessions.set(key, session)
    if (this.sessions.size > this.capacity) {
      const oldest = this.sessions.keys().next()
      if (oldest.done !== true) this.sessions.delete(oldest.value)
    }
  }
}

/**
 * A lookup that answers the given names from a table and passes any other
 * name to the system resolver. Useful to point test names such as `a.test`
 * at `127.0.0.1`.
 *
 * @example
 * ```ts
 * Requests.layer({ lookup: staticLookup({ "a.test": "127.0.0.1" }) })
 * ```
 *
 * @since 0.1.0
 */
export const staticLookup = (table: Readonly<Record<string, string>>, fallback?: Lookup): Lookup => {
  return (hostname, options, callback) => {
    const address = table[hostname]
    if (address === undefined) {
      if (fallback) return fallback(hostname, options, callback)
      return import("node:dns").then((dns) => dns.lookup(hostname, options, callback))
    }
    const family = address.includes(":") ? 6 : 4
    // Node asks for every address when happy eyeballs is on.
    if (options.all === true) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
}
