/**
 * Gives each exchange the endpoint its connections really go to: through a
 * proxy, to a Unix socket, or direct. A routed endpoint has its own `key`,
 * so pools, the router and coalescing keep routes apart without knowing
 * about them; the dialer does the rest.
 *
 * @internal
 */
import * as Endpoint from "../../Endpoint.js"
import type { Exchange } from "../exchange/exchange.js"
import { type EnvironmentProxies, fromEnvironment, parseProxy, type ProxySetting } from "./proxy-config.js"

/** @internal */
export interface RoutingOptions {
  readonly proxy?: ProxySetting | undefined
  readonly unixSockets?: Readonly<Record<string, string>> | undefined
  /** With `"h2c"`, plain-http requests tunnel through an HTTP proxy instead of going in absolute-form. */
  readonly protocol?: string | undefined
  /** Where `"env"` reads from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/** @internal */
export interface Routing {
  /** Whether any endpoint may be routed at all; when not, exchanges pass untouched. */
  readonly active: boolean
  readonly endpoint: (endpoint: Endpoint.Endpoint) => Endpoint.Endpoint
  readonly exchange: <X extends Exchange>(exchange: X) => X
}

const MAX_ROUTES = 1024

/**
 * Builds the routing of a client. Throws a `TypeError` for a proxy URL or
 * socket origin that cannot be parsed, so a misconfiguration shows when the
 * layer is built, not at the first request.
 *
 * @internal
 */
export const makeRouting = (options: RoutingOptions): Routing => {
  const setting = options.proxy ?? "env"
  const proxies: EnvironmentProxies | undefined =
    setting === false
      ? undefined
      : setting === "env"
        ? fromEnvironment(options.env ?? process.env)
        : { http: parseProxy(setting), https: parseProxy(setting), noProxy: fromEnvironment({}).noProxy }
  const sockets = new Map<string, string>()
  for (const [origin, path] of Object.entries(options.unixSockets ?? {})) {
    const endpoint = Endpoint.fromUrl(new URL(origin))
    if (endpoint === undefined) throw new TypeError(`unixSockets: ${origin} is not an http or https origin`)
    sockets.set(endpoint.key, path)
  }
  const forward = options.protocol !== "h2c"
  const active = sockets.size > 0 || (proxies !== undefined && (proxies.http ?? proxies.https) !== undefined)

  const decide = (endpoint: Endpoint.Endpoint): Endpoint.Endpoint => {
    const path = sockets.get(endpoint.key)
    if (path !== undefined) return Endpoint.viaSocket(endpoint, path)
    if (proxies === undefined) return endpoint
    const proxy = endpoint.scheme === "https" ? proxies.https : proxies.http
    if (proxy === undefined || proxies.noProxy.matches(endpoint.host, endpoint.port)) return endpoint
    return Endpoint.viaProxy(endpoint, proxy, forward)
  }

  // Endpoints are interned per origin upstream, so the route is worked out once per origin.
  const routes = new Map<Endpoint.Endpoint, Endpoint.Endpoint>()
  const endpoint = (direct: Endpoint.Endpoint): Endpoint.Endpoint => {
    if (direct.proxy !== undefined || direct.socketPath !== undefined) return direct
    let routed = routes.get(direct)
    if (routed === undefined) {
      if (routes.size >= MAX_ROUTES) routes.clear()
      routed = decide(direct)
      routes.set(direct, routed)
    }
    return routed
  }

  const authorization = new Map<Endpoint.Proxy, string>()
  const exchange = <X extends Exchange>(original: X): X => {
    const routed = endpoint(original.endpoint)
    if (routed === original.endpoint) return original
    if (routed.forward !== true || routed.proxy === undefined) return { ...original, endpoint: routed }
    // Absolute-form (RFC 9112 §3.2.2): the proxy needs the whole URL.
    const target = `http://${routed.authority}${original.target}`
    const proxy = routed.proxy
    if (proxy.username === undefined || "proxy-authorization" in original.headers) {
      return { ...original, endpoint: routed, target }
    }
    let value = authorization.get(proxy)
    if (value === undefined) {
      value = basicAuthorization(proxy)
      authorization.set(proxy, value)
    }
    return {
      ...original,
      endpoint: routed,
      target,
      headers: { ...original.headers, "proxy-authorization": value }
    }
  }

  return { active, endpoint, exchange }
}

/**
 * `Basic` credentials of the proxy's userinfo (RFC 7617).
 *
 * @internal
 */
export const basicAuthorization = (proxy: Endpoint.Proxy): string =>
  `Basic ${Buffer.from(`${proxy.username ?? ""}:${proxy.password ?? ""}`).toString("base64")}`
