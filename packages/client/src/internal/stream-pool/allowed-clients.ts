/**
 * The server's client filter: single addresses and CIDR blocks, IPv4 and
 * IPv6, checked with node's `BlockList`.
 *
 * @internal
 */
import * as net from "node:net"

/** Whether a remote address may open streams. @internal */
export type ClientFilter = (address: string | undefined) => boolean

const MAPPED = "::ffff:"

/** Throws a `TypeError` naming the entry when one is neither an address nor a block. @internal */
export const makeClientFilter = (allowed: ReadonlyArray<string>): ClientFilter => {
  if (allowed.length === 0) return () => true
  const list = new net.BlockList()
  for (const entry of allowed) {
    const slash = entry.indexOf("/")
    const address = slash === -1 ? entry : entry.slice(0, slash)
    const family = net.isIP(address)
    if (family === 0) throw new TypeError(`allowedClients: "${entry}" is not an IP address or CIDR block`)
    const type = family === 4 ? "ipv4" : "ipv6"
    if (slash === -1) {
      list.addAddress(address, type)
      continue
    }
    const prefix = Number(entry.slice(slash + 1))
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
      throw new TypeError(`allowedClients: "${entry}" has an invalid prefix length`)
    list.addSubnet(address, prefix, type)
  }
  return (address) => {
    if (address === undefined) return false
    // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6 addresses.
    const plain =
      address.startsWith(MAPPED) && net.isIPv4(address.slice(MAPPED.length))
        ? address.slice(MAPPED.length)
        : address
    const family = net.isIP(plain)
    if (family === 0) return false
    return list.check(plain, family === 4 ? "ipv4" : "ipv6")
  }
}
