import { describe, expect, it } from "@effect/vitest"
import type { H2ConnectionPool } from "@effect-requests/client"
import { Effect, Either, Option } from "effect"
import { requireServer, suiteTitle } from "../src/binaries.js"
import { groupBy, maxOverlap, tally } from "../src/concurrency.js"
import * as Nginx from "../src/nginx.js"
import { describeFailure, get, stats, text, url, withClient } from "./helpers.js"

const nginx = requireServer("nginx", "nginx")

const requests = 5_000
const concurrency = 100
const streamsPerConnection = 3
const requestsPerConnection = 50
const body = "acceptance\n"

/**
 * The client's HTTP/2 settings under test, with the most connections it keeps open to the origin, which
 * bounds how many end the run with fewer than 50 requests.
 */
const clients: ReadonlyArray<{ name: string; h2: H2ConnectionPool.H2Options; maxConnections: number }> = [
  // The defaults, stated so that the bound below does not drift silently.
  { name: "default settings (up to 4 connections)", h2: { maxConnectionsPerEndpoint: 4 }, maxConnections: 4 },
  {
    name: "strictMaxConcurrentStreams (one connection at a time)",
    h2: { strictMaxConcurrentStreams: true },
    maxConnections: 1
  }
]

describe.skipIf(nginx.path === undefined)(
  suiteTitle(nginx, "nginx acceptance: HTTP/2 over TLS, 3 streams and 50 requests per connection"),
  () => {
    for (const { name, h2: h2Options, maxConnections } of clients) {
      it.scopedLive(
        `${requests} requests at ${concurrency} concurrent all succeed, none lost or repeated: ${name}`,
        () =>
          Effect.gen(function* () {
            const server = yield* Nginx.make({
              site: { "small.txt": body },
              http2MaxConcurrentStreams: streamsPerConnection,
              keepaliveRequests: requestsPerConnection,
              // Served from memory, a request starts and ends within one millisecond of nginx's clock, and the
              // log could not show streams overlapping. Paced to 1,000 per second per connection, each waits on
              // a timer and spans whole milliseconds, while 5,000 still take only a few seconds.
              pacePerConnection: 1000
            })
            const ids = Array.from({ length: requests }, (_, i) => `req-${i}`)
            const started = performance.now()
            const { outcomes, after } = yield* withClient(
              { h2: h2Options },
              Effect.gen(function* () {
                // Every outcome is kept, so that a failure still leaves the server's view to report.
                const outcomes = yield* Effect.forEach(
                  ids,
                  (id) => Effect.either(get(url("https", server.ports.h2, "/small.txt"), id)),
                  { concurrency }
                )
                return { outcomes, after: yield* stats }
              })
            )
            const seconds = (performance.now() - started) / 1000
            const failures = outcomes.flatMap((outcome, i) =>
              Either.isLeft(outcome)
                ? [`${ids[i]}: ${describeFailure(outcome.left)}`]
                : outcome.right.status !== 200 || text(outcome.right.body) !== body
                  ? [`${ids[i]}: status ${outcome.right.status}`]
                  : []
            )

            // Once nginx has exited its log is complete: nothing can still be on its way into it.
            yield* server.stop
            const log = yield* server.accessLog
            const errorLog = yield* server.errorLog
            const seen = tally(log.map((entry) => entry.requestId ?? "(none)"))
            const connections = groupBy(log, (entry) => entry.connection)
            const carried = [...connections.values()].map((entries) => entries.length)
            const partial = carried.filter((n) => n < requestsPerConnection)
            const mostAtOnce = Math.max(...[...connections.values()].map((entries) => maxOverlap(entries)))
            const h2 = Option.getOrUndefined(after.h2)
            console.log(
              [
                `nginx acceptance (${server.version}), client ${name}: ${requests} requests at ${concurrency} concurrent, ${seconds.toFixed(2)} s`,
                `  client: ${requests - failures.length} succeeded, ${failures.length} failed` +
                  `${failures.length > 0 ? ` (first: ${failures.slice(0, 3).join("; ")})` : ""}; retries ${after.retries};` +
                  ` h2 streams ${h2 === undefined ? "n/a (no connection open)" : h2.totalStreams}`,
                `  logged: ${log.length} requests, ${seen.size} distinct x-request-id, ${[...seen.values()].filter((n) => n > 1).length} repeated`,
                `  connections: ${connections.size} carried requests, ${connections.size - partial.length} with ${requestsPerConnection},` +
                  ` ${partial.length} with fewer (${partial.join(", ") || "none"}), most on one: ${Math.max(...carried)}`,
                `  most streams at once on one connection (from log times): ${mostAtOnce};` +
                  ` "concurrent streams exceeded" in nginx's log: ${errorLog.split("concurrent streams exceeded").length - 1}`
              ].join("\n")
            )

            expect(failures).toEqual([])
            expect(after.requestsMade).toBe(requests)
            expect(after.h1.created).toBe(0)

            // Every request logged exactly once, all of them over HTTP/2, all answered 200.
            expect(log.length).toBe(requests)
            expect([...seen].filter(([, n]) => n !== 1)).toEqual([])
            expect(new Set(seen.keys())).toEqual(new Set(ids))
            expect(new Set(log.map((entry) => `${entry.protocol} ${entry.status}`))).toEqual(
              new Set(["HTTP/2.0 200"])
            )

            // (a) Connections. nginx ends a connection with GOAWAY after its 50th stream, so none carries more,
            // and 5,000 requests need at least 100. A connection carries fewer only if it was still open when
            // the run ended, and the client keeps at most `maxConnections` open: with F full connections and
            // P partial ones, 50 F <= 5,000 and P <= maxConnections, and P > 0 forces F <= 99, so the count
            // lies in [100, 99 + maxConnections].
            expect(Math.max(...carried)).toBeLessThanOrEqual(requestsPerConnection)
            expect(connections.size).toBeGreaterThanOrEqual(requests / requestsPerConnection)
            expect(connections.size).toBeLessThanOrEqual(
              requests / requestsPerConnection - 1 + maxConnections
            )
            expect(partial.length).toBeLessThanOrEqual(maxConnections)
            // `$connection_requests` numbers the streams of each connection 1..n without a gap.
            for (const entries of connections.values()) {
              const order = entries.map((entry) => entry.connectionRequests).sort((a, b) => a - b)
              expect(order).toEqual(Array.from({ length: entries.length }, (_, i) => i + 1))
            }

            // (b) Streams at once per connection, from each request's start ($msec - $request_time) and end
            // ($msec), both on nginx's millisecond clock.
            expect(mostAtOnce).toBeLessThanOrEqual(streamsPerConnection)
            // The same from nginx's side, exactly: it refuses a stream over the limit and logs that at info.
            expect(errorLog).not.toContain("concurrent streams exceeded")
            expect(h2?.refused ?? 0).toBe(0)
          })
      )
    }
  }
)
