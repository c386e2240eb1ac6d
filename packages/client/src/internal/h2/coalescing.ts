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
import type { Endpoint } from "../../Endpoint.js"
import type { Dialed } from "../transport/dialer.js"

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
export const certificateCovers = (authority: Authority, endpoint: Endpoint): boolean =>
  endpoint.scheme === "https" &&
  authority.certificate !== undefined &&
  authority.port === endpoint.port &&
  (authority.origins === undefined || authority.origins.has(endpoint.key)) &&
  tls.checkServerIdentity(endpoint.host, authority.certificate) === undefined

/** The address part: an ORIGIN frame listing the origin stands in for DNS (RFC 8336 §2.4). */
export const addressCovers = (authority: Authority, addresses: ReadonlyArray<string>): boolean =>
  authority.origins !== undefined ||
  (authority.address !== undefined && addresses.includes(authority.address))
