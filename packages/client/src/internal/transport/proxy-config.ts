/**
 * Which proxy, if any, an origin's connections go through: proxy URLs, the
 * `HTTP_PROXY` family of environment variables, and curl's `NO_PROXY` rules.
 *
 * @internal
 */
import * as net from "node:net"
import type { Proxy } from "../../Endpoint.js"

/**
 * Where the client's connections go: a proxy URL (`http://`, `https://`,
 * `socks5://`, `socks5h://`, `socks4a://`, with optional `user:password@`),
 * `"env"` to read `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`
 * (either case, lower case first), or `false` for direct connections.
 *
 * @since 0.1.0
 */
export type ProxySetting = string | URL | "env" | false

const protocols: Record<string, Proxy["protocol"] | undefined> = {
  "http:": "http",
  "https:": "https",
  "socks5:": "socks5",
  "socks5h:": "socks5h",
  "socks4a:": "socks4a",
  // As curl reads it.
  "socks:": "socks5"
}

const defaultPorts: Record<Proxy["protocol"], number> = {
  http: 80,
  https: 443,
  socks5: 1080,
  socks5h: 1080,
  socks4a: 1080
}

/**
 * Parses a proxy URL. A URL without a scheme is an HTTP proxy, as curl reads
 * it. Throws a `TypeError` naming the problem (never the credentials).
 *
 * @internal
 */
export const parseProxy = (input: string | URL): Proxy => {
  const text = typeof input === "string" ? input.trim() : input.href
  const url = new URL(text.includes("://") ? text : `http://${text}`)
  const protocol = protocols[url.protocol]
  if (protocol === undefined) throw new TypeError(`unsupported proxy scheme ${url.protocol}`)
  if (url.hostname === "") throw new TypeError("proxy URL has no host")
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  const port = url.port === "" ? defaultPorts[protocol] : Number(url.port)
  const username = url.username === "" ? undefined : decodeURIComponent(url.username)
  const password = url.password === "" ? undefined : decodeURIComponent(url.password)
  const hostPart = host.includes(":") ? `[${host}]` : host
  const user = username === undefined ? "" : `${encodeURIComponent(username)}@`
  return { protocol, host, port, username, password, key: `${protocol}://${user}${hostPart}:${port}` }
}

/** One `NO_PROXY` entry. */
type Rule =
  | { readonly _tag: "All" }
  | { readonly _tag: "Name"; readonly name: string; readonly port: number | undefined }
  | { readonly _tag: "Address"; readonly address: string; readonly port: number | undefined }

/**
 * curl's `NO_PROXY`: a comma (or space) separated list of host names, which
 * match themselves and their subdomains (a leading `.` or `*.` is ignored),
 * IP addresses, CIDR blocks, each with an optional `:port`, or `*` alone for
 * every host.
 *
 * @internal
 */
export class NoProxy {
  private readonly rules: Array<Rule> = []
  private readonly blocks = new net.BlockList()
  private hasBlocks = false

  constructor(list: string | undefined) {
    if (list === undefined) return
    for (const raw of list.split(/[\s,]+/)) {
      const entry = raw.trim().toLowerCase()
      if (entry !== "") this.add(entry)
    }
  }

  private add(entry: string): void {
    if (entry === "*") {
      this.rules.push({ _tag: "All" })
      return
    }
    const slash = entry.indexOf("/")
    if (slash > 0) {
      const address = entry.slice(0, slash)
      const prefix = Number(entry.slice(slash + 1))
      const family = net.isIP(address)
      if (family !== 0 && Number.isInteger(prefix)) {
        this.blocks.addSubnet(address, prefix, family === 6 ? "ipv6" : "ipv4")
        this.hasBlocks = true
      }
      return
    }
    let host = entry
    let port: number | undefined
    if (host.startsWith("[")) {
      const close = host.indexOf("]")
      if (host.charCodeAt(close + 1) === 58 /* : */) port = Number(host.slice(close + 2))
      host = host.slice(1, close)
    } else if (net.isIP(host) !== 6) {
      const colon = host.lastIndexOf(":")
      if (colon > 0) {
        port = Number(host.slice(colon + 1))
        host = host.slice(0, colon)
      }
    }
    if (port !== undefined && !Number.isInteger(port)) return
    if (net.isIP(host) !== 0) this.rules.push({ _tag: "Address", address: host, port })
    else {
      const name = host.startsWith("*.") ? host.slice(2) : host.startsWith(".") ? host.slice(1) : host
      if (name !== "") this.rules.push({ _tag: "Name", name, port })
    }
  }

  /** Whether connections to `host:port` go direct. */
  matches(hostInput: string, port: number): boolean {
    const host = hostInput.toLowerCase()
    const family = net.isIP(host)
    for (const rule of this.rules) {
      if (rule._tag === "All") return true
      if (rule.port !== undefined && rule.port !== port) continue
      if (rule._tag === "Address") {
        if (family !== 0 && sameAddress(rule.address, host)) return true
      } else if (
        host === rule.name ||
        (host.length > rule.name.length &&
          host.endsWith(rule.name) &&
          host.charCodeAt(host.length - rule.name.length - 1) === 46) /* . */
      ) {
        return true
      }
    }
    return this.hasBlocks && family !== 0 && this.blocks.check(host, family === 6 ? "ipv6" : "ipv4")
  }
}

const sameAddress = (a: string, b: string): boolean => {
  if (a === b) return true
  const family = net.isIP(a)
  if (family !== net.isIP(b)) return false
  // IPv6 has many spellings of one address; a one-address block compares them.
  const list = new net.BlockList()
  list.addAddress(a, family === 6 ? "ipv6" : "ipv4")
  return list.check(b, family === 6 ? "ipv6" : "ipv4")
}

/**
 * The proxies the environment names. Lower-case variables win over
 * upper-case ones, as in curl; `ALL_PROXY` covers both schemes when the
 * scheme's own variable is unset. An empty variable counts as unset.
 *
 * @internal
 */
export interface EnvironmentProxies {
  readonly http: Proxy | undefined
  readonly https: Proxy | undefined
  readonly noProxy: NoProxy
}

const variable = (env: Readonly<Record<string, string | undefined>>, name: string): string | undefined => {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()]
  return value === undefined || value.trim() === "" ? undefined : value
}

/**
 * Reads the proxy variables of `env`.
 *
 * @internal
 */
export const fromEnvironment = (env: Readonly<Record<string, string | undefined>>): EnvironmentProxies => {
  const all = variable(env, "all_proxy")
  const http = variable(env, "http_proxy") ?? all
  const https = variable(env, "https_proxy") ?? all
  return {
    http: http === undefined ? undefined : parseProxy(http),
    https: https === undefined ? undefined : parseProxy(https),
    noProxy: new NoProxy(variable(env, "no_proxy"))
  }
}
