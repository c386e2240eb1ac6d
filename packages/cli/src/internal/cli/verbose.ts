/**
 * `-v`: the client's connection and request events, each stamped with the
 * milliseconds since `ereq` started, on standard error.
 *
 * @internal
 */
import type { Batteries, Events, Requests } from "@effect-requests/client"

/** Where verbose lines go and the clock that stamps them. @internal */
export interface Sink {
  readonly write: (line: string) => void
  readonly now: () => number
  readonly start: number
}

const stamp = (sink: Sink, mark: string, text: string): void =>
  sink.write(`${mark} [${(sink.now() - sink.start).toFixed(1).padStart(7)} ms] ${text}\n`)

/** The text of a client event. @internal */
export const describe = (event: Events.RequestsEvent): string => {
  switch (event._tag) {
    case "Dns":
      return `DNS ${event.host} -> ${event.addresses.join(", ")}`
    case "Connected":
      return `Connected to ${event.endpoint} (${event.remoteAddress ?? "?"} port ${event.remotePort ?? "?"})`
    case "TlsHandshake":
      return `TLS ${event.tlsVersion ?? "?"}, ALPN ${event.alpnProtocol ?? "none"}${event.resumed ? ", session resumed" : ""} with ${event.endpoint}`
    case "Adopted":
      return `Using ${event.protocol} with ${event.endpoint}`
    case "Coalesced":
      return `Coalesced ${event.endpoint} onto the connection of ${event.onto}`
    case "Released":
      return `Closed ${event.protocol} connection to ${event.endpoint} after ${event.requests} request(s)`
    case "RequestHeaders":
      return `Request ${event.method} ${event.target} over ${event.protocol} to ${event.endpoint}`
    case "Reused":
      return `Re-using ${event.protocol} connection to ${event.endpoint}`
    case "ResponseHeaders":
      return `Response ${event.status} over ${event.protocol} after ${event.elapsedMillis.toFixed(1)} ms`
    case "Retried":
      return `Sending again to ${event.endpoint}: ${event.reason}`
    case "Failed":
      return `Failed: ${event.error.message}`
    case "ProxyConnected":
      return `Tunnel to ${event.endpoint} through ${event.proxy} (${event.mode}) in ${event.elapsedMillis.toFixed(1)} ms`
    default:
      return describeBattery(event)
  }
}

const describeBattery = (event: Batteries.BatteryEvent): string => {
  switch (event._tag) {
    case "Redirected":
      return `Redirected ${event.status} to ${event.to}`
    case "RetryScheduled":
      return `Retry ${event.attempt} of ${event.url} in ${event.waitMillis} ms`
    default:
      return event._tag
  }
}

/** The client's event listener that prints. @internal */
export const clientListener =
  (sink: Sink): Events.Listener =>
  (event) =>
    stamp(sink, "*", describe(event))

/** The batteries' event listener that prints. @internal */
export const batteryListener =
  (sink: Sink): Batteries.Listener =>
  (event) =>
    stamp(sink, "*", describeBattery(event))

/** Request or response headers, `>` or `<` before each line. @internal */
export const headerLines = (
  mark: ">" | "<",
  first: string,
  headers: Readonly<Record<string, string>>
): string => {
  let text = `${mark} ${first}\n`
  for (const name in headers) text += `${mark} ${name}: ${headers[name]}\n`
  return `${text}${mark}\n`
}

/** The `-v` summary: the client's figures at the end. @internal */
export const summary = (stats: Requests.Stats, elapsedMillis: number, bytes: number): string => {
  const h2 = stats.h2._tag === "Some" ? stats.h2.value : undefined
  const origins = stats.origins.map((o) => `${o.origin} ${o.protocol}`).join(", ")
  return (
    `* stats: ${stats.requestsMade} request(s), ${stats.retries} retried, ${stats.errors} failed; ` +
    `http/1.1 ${stats.h1.created} connection(s) opened, ${stats.h1.reused} reuse(s); ` +
    `h2 ${h2 === undefined ? 0 : h2.connections} connection(s), ${h2 === undefined ? 0 : h2.totalStreams} stream(s); ` +
    `${bytes} byte(s) received in ${elapsedMillis.toFixed(1)} ms${origins === "" ? "" : ` (${origins})`}\n`
  )
}
