/**
 * When an HTTP/2 connection opened for one origin may carry requests for
 * another (RFC 9113 §9.1.1, RFC 8336): the other origin is `https`, on the
 * same port, its host resolves to the connection's address (or the server's
 * ORIGIN frame lists it), and the certificate the connection verified names
 * its host. Host names are checked by node's own `tls.checkServerIdentity`,
 * wildcards included.
 *
 * @internal
 */
import * as tls from "node:tls"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import type { Endpoint } from "../../Endpoint.js"
import type { Dialed } from "../transport/dialer.js"
import type { H2Connection } from "./connection.js"
import type { H2PoolState } from "./pool-state.js"

/** What a connection can vouch for. */
export interface Authority {
  readonly address: string | undefined
  readonly port: number | undefined
  /** Undefined when the certificate was not verified: nothing is then shared. */
  readonly certificate: tls.PeerCertificate | undefined
  /** Origins listed by ORIGIN frames, as `https://host:port`; undefined until one arrives. */
  origins: Set<string> | undefined
}

/** @internal */
export const authorityOf = (dialed: Dialed): Authority => {
  const socket = dialed.socket
  const verified = socket instanceof tls.TLSSocket && socket.authorized
  return {
    address: dialed.remoteAddress,
    port: dialed.remotePort,
    certificate: verified ? socket.getPeerCertificate() : undefined,
    origins: undefined
  }
}

/** An origin of an ORIGIN frame, in the form of `Endpoint.key`. */
export const originKey = (origin: string): string | undefined => {
  // A malformed entry authorizes nothing: RFC 8336 §2.3 has it ignored.
  if (!URL.canParse(origin)) return undefined
  const url = new URL(origin)
  if (url.protocol !== "https:") return undefined
  return `https://${url.hostname}:${url.port === "" ? 443 : url.port}`
}

/** The certificate part of the test, which needs no DNS: whether to bother resolving at all. */
export const certificateCovers = (
  authority: Authority,
  endpoint: Endpoint,
  checkIdentity: (
    host: string,
    certificate: tls.PeerCertificate
  ) => Error | undefined = tls.checkServerIdentity
): boolean =>
  endpoint.scheme === "https" &&
  authority.certificate !== undefined &&
  authority.port === endpoint.port &&
  (authority.origins === undefined || authority.origins.has(endpoint.key)) &&
  checkIdentity(endpoint.host, authority.certificate) === undefined

/** The address part: an ORIGIN frame listing the origin stands in for DNS (RFC 8336 §2.4). */
export const addressCovers = (authority: Authority, addresses: ReadonlyArray<string>): boolean =>
  authority.origins !== undefined ||
  (authority.address !== undefined && addresses.includes(authority.address))

// --- the pool's side: which endpoint's connections an endpoint's requests ride ----

/**
 * Records what a verified TLS connection can vouch for, and keeps the ORIGIN
 * frames its server sends.
 *
 * @internal
 */
export const watchAuthority = (state: H2PoolState, connection: H2Connection, dialed: Dialed): void => {
  // A connection through a proxy or a socket file vouches for nothing beyond its own route.
  if (dialed.endpoint.proxy !== undefined || dialed.endpoint.socketPath !== undefined) return
  const authority = authorityOf(dialed)
  if (authority.certificate === undefined) return
  state.authorities.set(connection, authority)
  connection.onOrigins = (origins) => {
    const set = (authority.origins ??= new Set())
    for (const origin of origins) {
      const key = originKey(origin)
      if (key !== undefined) set.add(key)
    }
  }
}

/** Whether a coalescing check could change where the endpoint's requests go: cheap, no DNS. */
const mayCoalesce = (state: H2PoolState, endpoint: Endpoint): boolean =>
  state.options.coalescing &&
  state.authorities.size > 0 &&
  endpoint.scheme === "https" &&
  endpoint.proxy === undefined &&
  endpoint.socketPath === undefined &&
  !state.queues.has(endpoint.key) &&
  !state.aliases.has(endpoint.key) &&
  !state.ownConnections.has(endpoint.key)

const candidates = (state: H2PoolState, endpoint: Endpoint): Array<[H2Connection, Authority]> => {
  const out: Array<[H2Connection, Authority]> = []
  for (const entry of state.authorities) {
    const [connection, authority] = entry
    if (
      !connection.draining &&
      connection.endpointKey !== endpoint.key &&
      certificateCovers(authority, endpoint, state.dialer.checkIdentity)
    )
      out.push(entry)
  }
  return out
}

/** Resolves the host and picks a connection that covers its address. */
const check = (state: H2PoolState, endpoint: Endpoint): Effect.Effect<Endpoint> => {
  const found = candidates(state, endpoint)
  if (found.length === 0) return Effect.succeed(endpoint)
  return Effect.match(state.dialer.resolve(endpoint), {
    // Not coalescing is always correct; the endpoint's own dial reports the DNS failure.
    onFailure: () => endpoint,
    onSuccess: (addresses) => {
      for (const [connection, authority] of found) {
        if (connection.draining || !addressCovers(authority, addresses)) continue
        state.aliases.set(endpoint.key, connection.endpoint)
        if (state.listening) {
          state.observer.emit({ _tag: "Coalesced", endpoint: endpoint.key, onto: connection.endpointKey })
        }
        return connection.endpoint
      }
      return endpoint
    }
  })
}

/**
 * Whether the endpoint's requests may go straight to its own connections,
 * without an Effect: nothing was ever coalesced and nothing could be.
 *
 * @internal
 */
export const ownRoute = (state: H2PoolState, endpoint: Endpoint): boolean =>
  state.aliases.size === 0 && !mayCoalesce(state, endpoint)

/**
 * Where the endpoint's requests go: its own connections, or those of the
 * endpoint it is coalesced onto. A cold burst shares one check.
 *
 * @internal
 */
export const route = (state: H2PoolState, endpoint: Endpoint): Effect.Effect<Endpoint> => {
  const alias = state.aliases.get(endpoint.key)
  if (alias !== undefined) {
    if (state.queues.has(alias.key)) return Effect.succeed(alias)
    // The shared connections are gone: look again.
    state.aliases.delete(endpoint.key)
  }
  if (!mayCoalesce(state, endpoint)) return Effect.succeed(endpoint)
  const pending = state.checking.get(endpoint.key)
  if (pending !== undefined) return Deferred.await(pending)
  const done = Deferred.unsafeMake<Endpoint>(FiberId.none)
  state.checking.set(endpoint.key, done)
  // In the pool's scope: a caller that gives up must not cancel the check for the others.
  const run = check(state, endpoint).pipe(
    Effect.exit,
    Effect.flatMap((exit) => Deferred.done(done, exit)),
    Effect.ensuring(Effect.sync(() => state.checking.delete(endpoint.key)))
  )
  return Effect.zipRight(Effect.forkIn(run, state.poolScope), Deferred.await(done))
}

/**
 * The server answered 421 for the endpoint on a shared connection: its
 * requests get connections of their own from now on.
 *
 * @internal
 */
export const misdirected = (state: H2PoolState, endpoint: Endpoint): void => {
  state.aliases.delete(endpoint.key)
  state.ownConnections.add(endpoint.key)
}
