import type { LookupFunction } from "node:net"

/**
 * A lookup that answers every name with one address: the origins keep a host name the test certificate
 * covers (`localhost`) while the connections go to a server elsewhere, e.g. in another network namespace.
 */
export const lookupTo =
  (address: string): LookupFunction =>
  (_hostname, options, callback) => {
    const family = address.includes(":") ? 6 : 4
    // Node asks for every address when happy eyeballs (autoSelectFamily) is on.
    if (options.all === true) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
