/**
 * Watching the client: an event listener that logs what happens to each
 * connection, `warm` to open connections before the first request, and the
 * per-origin figures afterwards.
 */
import { HttpClient } from "@effect/platform"
import { type Events, Requests } from "@effect-requests/client"
import { Effect } from "effect"

/** One line per event, e.g. `Connected http://127.0.0.1:8080`. */
export const describeEvent = (event: Events.RequestsEvent): string => {
  switch (event._tag) {
    case "TlsHandshake":
      return `${event._tag} ${event.endpoint} ${event.alpnProtocol ?? "no ALPN"}`
    case "ResponseHeaders":
      return `${event._tag} ${event.endpoint} ${event.status}`
    case "Failed":
      return `${event._tag} ${event.endpoint} ${event.error._tag}`
    default:
      return `${event._tag} ${event.endpoint}`
  }
}

/** A client whose events are appended to `log`. */
export const observedClient = (log: Array<string>) =>
  Requests.layer({ events: (event) => log.push(describeEvent(event)) })

/** Warms two connections to the origin, sends three requests, and reports the origin's figures. */
export const warmThenSend = (baseUrl: string) =>
  Effect.gen(function* () {
    const requests = yield* Requests.Requests
    yield* requests.warm(baseUrl, { connections: 2 })
    yield* Effect.all(
      Array.from({ length: 3 }, () => Effect.flatMap(HttpClient.get(`${baseUrl}/bytes/10`), (r) => r.text)),
      { concurrency: 2 }
    )
    const stats = yield* requests.stats
    return stats.origins.map((o) => `${o.origin} ${o.protocol}: ${o.requests} requests, ${o.errors} errors`)
  })
