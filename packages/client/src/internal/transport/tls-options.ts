/**
 * TLS settings and the small pieces of state the dialer keeps per origin.
 *
 * @since 0.1.0
 */
import { createHash, X509Certificate } from "node:crypto"
import type * as net from "node:net"
import * as tls from "node:tls"

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
  /**
   * Public key pins per host name: base64 SHA-256 digests of the
   * certificate's SubjectPublicKeyInfo (the `pin-sha256` of RFC 7469), with
   * or without a `sha256/` prefix. A handshake with a listed host fails
   * with a `TlsError` (`ERR_PIN_MISMATCH`) unless the leaf's key matches one
   * of them; checked on every handshake, through proxies too, and before an
   * HTTP/2 connection is shared with another host. Default: no pins.
   */
  readonly pins?: Readonly<Record<string, ReadonlyArray<string>>>
  /**
   * Replaces Node's host name check of the server certificate (not the
   * chain verification), on every handshake, an `https` proxy's included;
   * return an `Error` to refuse the certificate. Also decides whether an
   * HTTP/2 connection may be shared with another host.
   * Default: `tls.checkServerIdentity`.
   */
  readonly checkServerIdentity?: (host: string, certificate: tls.PeerCertificate) => Error | undefined
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
  /** The secure context of `connect`'s CA, certificate, key and versions, made on the first handshake. */
  readonly secureContext: () => tls.SecureContext
  readonly alpnProtocols: ReadonlyArray<string>
  readonly servername: string | undefined
  readonly sessionReuse: boolean
  readonly pins: ReadonlyMap<string, ReadonlyArray<string>>
  /** Host name check and pins: whether the certificate may speak for the host. */
  readonly identity: (host: string, certificate: tls.PeerCertificate) => Error | undefined
}

/**
 * The server's key matched none of the host's pins.
 *
 * @internal
 */
export class PinMismatch extends Error {
  readonly code = "ERR_PIN_MISMATCH"
  constructor(
    readonly host: string,
    readonly expected: ReadonlyArray<string>,
    readonly presented: string
  ) {
    super(`public key of ${host} matches none of its pins`)
  }
}

/**
 * The base64 SHA-256 of a certificate's SubjectPublicKeyInfo.
 *
 * @since 0.1.0
 */
export const spkiPin = (certificate: tls.PeerCertificate): string =>
  // `pubkey` is the bare key (e.g. PKCS#1 for RSA), not the SubjectPublicKeyInfo pins are taken over.
  createHash("sha256")
    .update(new X509Certificate(certificate.raw).publicKey.export({ type: "spki", format: "der" }))
    .digest("base64")

/** @internal */
export const checkPins = (
  pins: ReadonlyMap<string, ReadonlyArray<string>>,
  host: string,
  certificate: tls.PeerCertificate
): PinMismatch | undefined => {
  const expected = pins.get(host.toLowerCase())
  if (expected === undefined) return undefined
  // A certificate Node could not hand over matches no pin.
  const presented = certificate.raw === undefined ? "" : spkiPin(certificate)
  return expected.includes(presented) ? undefined : new PinMismatch(host, expected, presented)
}

const normalizePins = (
  pins: Readonly<Record<string, ReadonlyArray<string>>> | undefined
): ReadonlyMap<string, ReadonlyArray<string>> => {
  const out = new Map<string, ReadonlyArray<string>>()
  for (const [host, list] of Object.entries(pins ?? {})) {
    out.set(
      host.toLowerCase(),
      list.map((pin) => (pin.startsWith("sha256/") ? pin.slice(7) : pin))
    )
  }
  return out
}

/** @internal */
export const resolveTlsOptions = (options: TlsOptions = {}): ResolvedTls => {
  const pins = normalizePins(options.pins)
  const hostCheck = options.checkServerIdentity ?? tls.checkServerIdentity
  let secureContext: tls.SecureContext | undefined
  const connect: tls.ConnectionOptions = {
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    minVersion: options.minVersion ?? "TLSv1.2",
    ...(options.ca !== undefined
      ? { ca: typeof options.ca === "string" || Buffer.isBuffer(options.ca) ? options.ca : [...options.ca] }
      : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.checkServerIdentity !== undefined ? { checkServerIdentity: options.checkServerIdentity } : {})
  }
  return {
    connect,
    secureContext: () => (secureContext ??= sharedSecureContext(connect, options)),
    alpnProtocols: options.alpnProtocols ?? ["http/1.1"],
    servername: options.servername,
    sessionReuse: options.sessionReuse ?? true,
    pins,
    identity: (host, certificate) => hostCheck(host, certificate) ?? checkPins(pins, host, certificate)
  }
}

/**
 * Secure contexts by what they are made of, shared by the clients of a process. Making one parses
 * every CA certificate given, a good part of a new client's first HTTPS request; clients built
 * with the same settings (short-lived clients, a client per job) share one. Keyed by a digest, so
 * the key material stays only in the contexts; bounded, so settings that keep changing cannot
 * grow it. A context carries no session state of its own: sessions are resumed per client.
 */
const secureContexts = new Map<string, tls.SecureContext>()
const MAX_SECURE_CONTEXTS = 16

const sharedSecureContext = (connect: tls.ConnectionOptions, options: TlsOptions): tls.SecureContext => {
  const digest = createHash("sha256").update(connect.minVersion ?? "")
  const add = (label: string, value: string | Buffer | ReadonlyArray<string | Buffer> | undefined) => {
    const values =
      value === undefined ? [] : typeof value === "string" || Buffer.isBuffer(value) ? [value] : value
    digest.update(`\0${label}${values.length}`)
    for (const one of values) digest.update("\0").update(one)
  }
  add("ca", options.ca)
  add("cert", options.cert)
  add("key", options.key)
  const key = digest.digest("base64")
  let context = secureContexts.get(key)
  if (context === undefined) {
    context = tls.createSecureContext(connect)
    if (secureContexts.size >= MAX_SECURE_CONTEXTS) secureContexts.clear()
    secureContexts.set(key, context)
  }
  return context
}

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
