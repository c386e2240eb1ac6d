/**
 * The fault-injection soak: tens of thousands of GETs and POSTs, fifty at a
 * time, over HTTP/2 and HTTP/1.1 (TLS through a CONNECT proxy, and plain), against a server that
 * closes keep-alive sockets, sends GOAWAY mid-flight, resets and refuses
 * streams, goes silent, cuts bodies short, floods interim responses, answers
 * late, and answers uploads before reading them (then closing, resetting the
 * stream or reading on), at points drawn from a seed. A POST answered early
 * was processed once, on its head: the same accounting as any other.
 *
 * `SOAK_REQUESTS` sets the number of requests (default 20000) and
 * `SOAK_SEED` the seed (default fixed), so a failure can be replayed: every
 * assertion message carries the seed and the ids of the requests at fault.
 */
import { HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Requests } from "@effect-requests/client"
import { FaultServer, LeakCheck, TestCerts, Wait } from "@effect-requests/testing"
import { Cause, Context, Effect, Exit, Layer, Option, Random } from "effect"
import { connectProxy } from "../internal/transport/connect-proxy.js"
import { type Outcome, typedCause } from "./outcomes.js"

const seed = Number(process.env["SOAK_SEED"] ?? 7_3_2026)
const total = Number(process.env["SOAK_REQUESTS"] ?? 20_000)
const concurrency = 50
/** A request still unsettled after this long is reported as hung: it is a failure detector, not a wait. */
const guardMillis = 30_000

const rates: FaultServer.FaultRates = {
  closeAfterResponse: 0.02,
  closeWhenIdle: 0.03,
  goaway: 0.003,
  refuseStream: 0.01,
  resetStream: 0.005,
  stall: 0.001,
  truncateBody: 0.01,
  delayHeaders: 0.05,
  cancelBody: 0.005,
  interimFlood: 0.005,
  // Only requests with a body are answered early: a share of the POSTs.
  earlyResponse: 0.03
}

/** Where a request goes, and so over which protocol. */
type Route = "h2" | "h1-tls" | "h1-plain"

interface Planned {
  readonly id: string
  readonly method: "GET" | "POST"
  readonly route: Route
  readonly size: number
  readonly body: string
}

/**
 * An upload larger than an HTTP/2 stream's first window, so that an early
 * answer arrives while the client is still sending; shared, not one per request.
 * (Much larger ones, 50 at a time, make node's HTTP/2 server refuse streams
 * with ENHANCE_YOUR_CALM while it still holds earlier ones.)
 */
const largeBody = "upload ".repeat((80 * 1024) / 8)

/** The requests of the run, drawn from the seed. */
const planRequests = Effect.gen(function* () {
  const random = Random.make(seed)
  const planned: Array<Planned> = []
  for (let i = 0; i < total; i++) {
    const method = (yield* random.next) < 0.7 ? "GET" : "POST"
    const r = yield* random.next
    const route: Route = r < 0.45 ? "h2" : r < 0.7 ? "h1-tls" : "h1-plain"
    const s = yield* random.next
    const size = s < 0.7 ? 64 : s < 0.95 ? 2048 : 32 * 1024
    const b = yield* random.next
    planned.push({
      id: `${method === "GET" ? "g" : "p"}${i}`,
      method,
      route,
      size,
      body: method === "POST" ? (b < 0.9 ? `order ${i} `.repeat(20) : largeBody) : ""
    })
  }
  return planned
})

/** The answer the server gives a request when it processed it (see `FaultServer`'s default answer). */
const expectedPrefix = (planned: Planned): string =>
  `${planned.id} ${planned.method} ${Buffer.byteLength(planned.body)}\n`

const tlsClient = { tls: { ca: TestCerts.ca } } as const

/** Deadlines that find a silent HTTP/2 peer: nothing heard for 300 ms, then 700 ms for the PING's answer. */
const h2Health = { pingInterval: "300 millis", pingTimeout: "700 millis" } as const

const isRetryable = (error: HttpClientError.HttpClientError): boolean => {
  const cause = typedCause(error)
  return cause !== undefined && cause._tag !== "InvalidRequestError" && cause._tag !== "ClientClosedError"
}

const run = (planned: Planned, client: HttpClient.HttpClient, url: string): Effect.Effect<Outcome> => {
  let attempts = 0
  const base =
    planned.method === "GET"
      ? HttpClientRequest.get(`${url}/items?size=${planned.size}`)
      : HttpClientRequest.post(`${url}/orders?size=${planned.size}`).pipe(
          HttpClientRequest.bodyText(planned.body, "text/plain")
        )
  const request = HttpClientRequest.setHeader(base, "x-request-id", planned.id)
  const once = Effect.suspend(() => {
    attempts++
    return client.execute(request)
  }).pipe(
    Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text })))
  )
  // What a caller would do: retry idempotent requests on the client's typed transport failures. POSTs never.
  const policy = planned.method === "GET" ? Effect.retry(once, { times: 5, while: isRetryable }) : once
  return Effect.timeoutOption(policy, guardMillis).pipe(
    Effect.exit,
    Effect.map((exit): Outcome => {
      if (Exit.isSuccess(exit)) {
        if (Option.isNone(exit.value)) return { _tag: "Hung" }
        const { status, text } = exit.value.value
        const prefix = expectedPrefix(planned)
        const length = Math.max(planned.size, Buffer.byteLength(prefix))
        return status === 200 && text.startsWith(prefix) && Buffer.byteLength(text) === length
          ? { _tag: "Succeeded", attempts }
          : { _tag: "WrongAnswer", detail: `status ${status}, ${text.length} chars: ${text.slice(0, 40)}` }
      }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) {
        const cause = typedCause(failure.value)
        if (cause !== undefined)
          return { _tag: "Failed", attempts, cause, error: `${failure.value.message}: ${cause.message}` }
      }
      return { _tag: "Untyped", detail: Cause.pretty(exit.cause) }
    })
  )
}

/** Up to `n` lines about the given ids, with the server's view of each. */
const explainAll = (server: FaultServer.FaultServer, ids: ReadonlyArray<string>, n = 20): string =>
  ids
    .slice(0, n)
    .map((id) => `  ${server.explain(id)}`)
    .join("\n") + (ids.length > n ? `\n  … and ${ids.length - n} more` : "")

const countBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1
  return out
}

describe("soak", () => {
  it.live(
    `${total} requests, ${concurrency} at a time, over HTTP/2 and HTTP/1.1 against injected faults (seed ${seed})`,
    () =>
      Effect.gen(function* () {
        const started = performance.now()
        const planned = yield* planRequests
        const processBaseline = yield* LeakCheck.snapshot
        yield* Effect.scoped(
          Effect.gen(function* () {
            const server = yield* FaultServer.make({ seed, faults: rates, plainHttp1: true })
            // HTTP/1.1 over TLS goes through a CONNECT proxy: faults then hit tunnels, not bare connections.
            const proxy = yield* connectProxy("tunnel")
            const plainUrl = server.plainUrl!
            const tag = `seed ${seed} (replay with SOAK_SEED=${seed} SOAK_REQUESTS=${total})`
            const baseline = yield* LeakCheck.snapshot

            const { outcomes, autoStats, http1Stats } = yield* Effect.scoped(
              Effect.gen(function* () {
                // `auto` speaks HTTP/2 to the TLS port (ALPN) and HTTP/1.1 to the plain one; `http1` HTTP/1.1 over TLS.
                const auto = yield* Layer.build(
                  Requests.layer({
                    ...tlsClient,
                    protocol: "auto",
                    h2: h2Health,
                    h1: { maxConnectionsPerEndpoint: 16 }
                  })
                )
                const http1 = yield* Layer.build(
                  Requests.layer({
                    ...tlsClient,
                    protocol: "http1",
                    proxy: `http://127.0.0.1:${proxy.port}`,
                    h1: { maxConnectionsPerEndpoint: 16 }
                  })
                )
                const autoClient = Context.get(auto, HttpClient.HttpClient)
                const http1Client = Context.get(http1, HttpClient.HttpClient)
                const outcomes = yield* Effect.forEach(
                  planned,
                  (p) =>
                    p.route === "h2"
                      ? run(p, autoClient, server.url)
                      : p.route === "h1-plain"
                        ? run(p, autoClient, plainUrl)
                        : run(p, http1Client, server.url),
                  { concurrency }
                )
                const autoStats = yield* Context.get(auto, Requests.Requests).stats
                const http1Stats = yield* Context.get(http1, Requests.Requests).stats
                return { outcomes, autoStats, http1Stats }
              })
            )
            // Both clients are closed: the server must see every connection go, and nothing of theirs may be left.
            const allClosed = yield* Effect.option(
              Effect.locally(server.awaitConnectionsClosed, Wait.currentTimeoutMillis, 10_000)
            )
            const openAtServer = server.stats.openConnections
            const leaks = yield* Effect.exit(LeakCheck.assertNoLeaks(baseline))

            const byOutcome = (t: Outcome["_tag"]) => planned.filter((_, i) => outcomes[i]!._tag === t)
            const hung = byOutcome("Hung").map((p) => p.id)
            const untyped = planned.flatMap((p, i) => {
              const o = outcomes[i]!
              return o._tag === "Untyped" || o._tag === "WrongAnswer" ? [`${p.id}: ${o.detail}`] : []
            })
            const failedGets = planned.filter(
              (p, i) => p.method === "GET" && outcomes[i]!._tag !== "Succeeded"
            )
            const posts = planned.filter((p) => p.method === "POST")
            const twice = posts.filter((p) => (server.processed.get(p.id) ?? 0) > 1).map((p) => p.id)
            const unprocessedSuccess = planned
              .filter((p, i) => outcomes[i]!._tag === "Succeeded" && (server.processed.get(p.id) ?? 0) === 0)
              .map((p) => p.id)
            const failures = outcomes.flatMap((o) => (o._tag === "Failed" ? [o] : []))

            const attempts = (protocol: "http/1.1" | "h2") =>
              [...autoStats.origins, ...http1Stats.origins]
                .filter((o) => o.protocol === protocol)
                .reduce((n, o) => n + o.requests, 0)
            const summary = {
              seed,
              requests: total,
              seconds: Math.round((performance.now() - started) / 100) / 10,
              methods: countBy(planned, (p) => p.method),
              routes: countBy(planned, (p) => p.route),
              serverProcessed: server.stats.processed,
              serverArrivals: server.stats.arrivals,
              clientAttempts: { "http/1.1": attempts("http/1.1"), h2: attempts("h2") },
              clientRetries: autoStats.retries + http1Stats.retries,
              h1Connections: autoStats.h1.created + http1Stats.h1.created,
              h2: Option.getOrUndefined(autoStats.h2),
              faults: server.faults,
              connections: server.stats.connectionsOpened,
              sessions: server.stats.sessionsOpened,
              failedByTag: countBy(failures, (f) => f.cause._tag),
              failedByMethod: countBy(
                planned.filter((_, i) => outcomes[i]!._tag === "Failed"),
                (p) => p.method
              ),
              getRetries: planned.reduce((n, p, i) => {
                const o = outcomes[i]!
                return p.method === "GET" && o._tag === "Succeeded" ? n + o.attempts - 1 : n
              }, 0)
            }
            console.log(`soak summary ${JSON.stringify(summary, null, 2)}`)

            expect(hung, `${tag}: requests hung\n${explainAll(server, hung)}`).toEqual([])
            expect(
              untyped,
              `${tag}: requests that failed untyped or got a wrong answer\n${untyped.slice(0, 20).join("\n")}`
            ).toEqual([])
            expect(
              failedGets.map((p) => p.id),
              `${tag}: GETs that did not succeed\n${explainAll(
                server,
                failedGets.map((p) => p.id)
              )}`
            ).toEqual([])
            expect(twice, `${tag}: POSTs processed more than once\n${explainAll(server, twice)}`).toEqual([])
            expect(
              unprocessedSuccess,
              `${tag}: successes the server never processed\n${explainAll(server, unprocessedSuccess)}`
            ).toEqual([])
            for (const failure of failures) {
              expect(failure.cause.endpoint, `${tag}: ${failure.error}`).toMatch(
                /^https?:\/\/127\.0\.0\.1:\d+( via http:\/\/127\.0\.0\.1:\d+)?$/
              )
            }
            // Both protocols carried a real share of the load, as the client and the server count it.
            expect(server.stats.processed.h2, tag).toBeGreaterThan(total * 0.3)
            expect(server.stats.processed["http/1.1"], tag).toBeGreaterThan(total * 0.4)
            expect(attempts("h2"), tag).toBeGreaterThan(total * 0.3)
            expect(attempts("http/1.1"), tag).toBeGreaterThan(total * 0.4)
            // HTTP/1.1 over TLS really went through the proxy: a tunnel for every connection that client opened
            // (and for dials the faults cut short before the connection counted).
            expect(proxy.heads.length, tag).toBeGreaterThanOrEqual(http1Stats.h1.created)
            expect(
              proxy.heads.every((head) => head.startsWith("CONNECT 127.0.0.1:")),
              tag
            ).toBe(true)
            // The faults did happen: each kind at least once at the default count.
            if (total >= 20_000) {
              for (const kind of FaultServer.kinds)
                expect(server.faults[kind], `${tag}: ${kind}`).toBeGreaterThan(0)
            }
            expect(
              Option.isSome(allClosed),
              `${tag}: ${openAtServer} connections still open at the server after the clients closed`
            ).toBe(true)
            expect(leaks, `${tag}: the closed clients left resources alive`).toStrictEqual(Exit.void)
          })
        )
        yield* LeakCheck.assertNoLeaks(processBaseline)
      }),
    { timeout: 180_000 }
  )
})
