/**
 * A resolver cache per client: answers kept for their TTL (capped), failures
 * for a short while, and one query in flight per host, so a burst of dials to
 * one host resolves once and none of them waits on libuv's threadpool.
 *
 * Names go to DNS through c-ares (`dns.promises.Resolver`, which reports
 * TTLs); a name DNS does not know (`localhost`, `/etc/hosts` entries, mDNS)
 * falls back to the system resolver, whose answer is kept for
 * {@link FALLBACK_TTL_MILLIS} at most.
 *
 * @internal
 */
import * as dns from "node:dns"
import * as net from "node:net"
import type { Lookup } from "./tls-options.js"

/**
 * DNS settings of the dialer.
 *
 * @since 0.1.0
 */
export interface DnsOptions {
  /** Keep answers per host for their TTL. Default `true`; ignored when a `lookup` is given. */
  readonly cache?: boolean
  /** The longest an answer is kept, whatever its TTL. Default `300` seconds. */
  readonly maxTtlSeconds?: number
  /** How long a failed resolution is remembered. Default `1` second. */
  readonly negativeTtlSeconds?: number
}

/** What the cache asks DNS: the part of `dns.promises.Resolver` it uses. @internal */
export interface Resolver {
  resolve4(host: string, options: { ttl: true }): Promise<ReadonlyArray<dns.RecordWithTtl>>
  resolve6(host: string, options: { ttl: true }): Promise<ReadonlyArray<dns.RecordWithTtl>>
}

/** One resolved address. @internal */
export interface Address {
  readonly address: string
  readonly family: 4 | 6
}

type Entry =
  | { readonly ok: true; readonly addresses: ReadonlyArray<Address>; readonly expiresAt: number }
  | { readonly ok: false; readonly error: Error; readonly expiresAt: number }

/** @internal */
export const FALLBACK_TTL_MILLIS = 30_000

const MAX_HOSTS = 4096

const systemLookup = (host: string): Promise<ReadonlyArray<Address>> =>
  new Promise((resolve, reject) =>
    dns.lookup(host, { all: true }, (error, addresses) =>
      error === null
        ? resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })))
        : reject(error)
    )
  )

/** IPv6 first, then alternating, as RFC 8305 §4 orders the attempts. */
const interleave = (v6: ReadonlyArray<Address>, v4: ReadonlyArray<Address>): Array<Address> => {
  const out: Array<Address> = []
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    if (i < v6.length) out.push(v6[i]!)
    if (i < v4.length) out.push(v4[i]!)
  }
  return out
}

/**
 * The cache.
 *
 * @internal
 */
export class DnsCache {
  private readonly entries = new Map<string, Entry>()
  private readonly pending = new Map<string, Promise<ReadonlyArray<Address>>>()
  private readonly maxTtlMillis: number
  private readonly negativeTtlMillis: number
  /** Queries that went to DNS or the system resolver, for tests and figures. */
  queries = 0

  constructor(
    private readonly now: () => number,
    options: DnsOptions = {},
    // Made by the first query: a c-ares channel costs a client that never resolves a name (an IP
    // literal, a proxy) a noticeable part of its start.
    private resolver: Resolver | undefined = undefined,
    private readonly fallback: (host: string) => Promise<ReadonlyArray<Address>> = systemLookup
  ) {
    this.maxTtlMillis = (options.maxTtlSeconds ?? 300) * 1000
    this.negativeTtlMillis = (options.negativeTtlSeconds ?? 1) * 1000
  }

  /** The host's addresses, IPv6 and IPv4 interleaved. */
  resolve(host: string): Promise<ReadonlyArray<Address>> {
    const family = net.isIP(host)
    if (family !== 0) return Promise.resolve([{ address: host, family: family === 6 ? 6 : 4 }])
    const entry = this.entries.get(host)
    if (entry !== undefined && entry.expiresAt > this.now()) {
      return entry.ok ? Promise.resolve(entry.addresses) : Promise.reject(entry.error)
    }
    let query = this.pending.get(host)
    if (query === undefined) {
      query = this.query(host).finally(() => this.pending.delete(host))
      this.pending.set(host, query)
    }
    return query
  }

  private async query(host: string): Promise<ReadonlyArray<Address>> {
    this.queries++
    if (isLocalhost(host)) return this.systemAnswer(host)
    const resolver = (this.resolver ??= new dns.promises.Resolver())
    const [v6, v4] = await Promise.allSettled([
      resolver.resolve6(host, { ttl: true }),
      resolver.resolve4(host, { ttl: true })
    ])
    const records6 = v6.status === "fulfilled" ? v6.value : []
    const records4 = v4.status === "fulfilled" ? v4.value : []
    if (records6.length + records4.length > 0) {
      let ttl = Infinity
      for (const r of records6) ttl = Math.min(ttl, r.ttl)
      for (const r of records4) ttl = Math.min(ttl, r.ttl)
      const addresses = interleave(
        records6.map((r) => ({ address: r.address, family: 6 as const })),
        records4.map((r) => ({ address: r.address, family: 4 as const }))
      )
      this.store(host, {
        ok: true,
        addresses,
        expiresAt: this.now() + Math.min(ttl * 1000, this.maxTtlMillis)
      })
      return addresses
    }
    return this.systemAnswer(host)
  }

  /** The system resolver's answer, kept for {@link FALLBACK_TTL_MILLIS} at most; a failure briefly. */
  private async systemAnswer(host: string): Promise<ReadonlyArray<Address>> {
    try {
      const found = await this.fallback(host)
      const addresses = interleave(
        found.filter((a) => a.family === 6),
        found.filter((a) => a.family === 4)
      )
      const ttl = Math.min(FALLBACK_TTL_MILLIS, this.maxTtlMillis)
      this.store(host, { ok: true, addresses, expiresAt: this.now() + ttl })
      return addresses
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause))
      this.store(host, { ok: false, error, expiresAt: this.now() + this.negativeTtlMillis })
      throw error
    }
  }

  private store(host: string, entry: Entry): void {
    if (this.entries.size >= MAX_HOSTS && !this.entries.has(host)) this.entries.clear()
    this.entries.set(host, entry)
  }

  /** The cache as a `lookup` for `net.connect`. */
  readonly lookup: Lookup = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const wanted =
          options.family === 4 || options.family === 6
            ? addresses.filter((a) => a.family === options.family)
            : addresses
        const first = wanted[0]
        if (first === undefined) return callback(notFound(hostname), "", 0)
        if (options.all === true) return callback(null, [...wanted])
        callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0)
    )
  }
}

/**
 * `localhost` and its subdomains are the system resolver's to answer (RFC 6761 §6.3: resolvers
 * should not send them to DNS), so they skip c-ares: no channel, no two queries that cannot succeed.
 */
const isLocalhost = (host: string): boolean => {
  const name = host.endsWith(".") ? host.slice(0, -1) : host
  return name.toLowerCase() === "localhost" || name.toLowerCase().endsWith(".localhost")
}

const notFound = (hostname: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname })
