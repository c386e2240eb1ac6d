/**
 * A loopback server that misbehaves on purpose, at random but reproducible
 * points, for soak tests of HTTP clients: a TLS port offering HTTP/2 and
 * HTTP/1.1 by ALPN and, on request, a plain HTTP/1.1 port.
 *
 * Every request it receives gets a decision drawn from a PRNG (pure-rand's
 * xoroshiro128+) seeded from the server's `seed`, the request's
 * `x-request-id` and how many times that id arrived before: either a plain
 * answer or one fault, each kind with its own probability. Decisions do not
 * depend on how concurrent requests interleave, so a seed replays the same
 * faults for the same requests; print it with a failure.
 *
 * The faults, by protocol (see {@link FaultKind}):
 *
 * - HTTP/1.1: closing a keep-alive socket right after an answer or once it
 *   sits idle, cutting a body short, answering late.
 * - HTTP/2: GOAWAY while streams are in flight (those above its last stream
 *   id are never processed), RST_STREAM with REFUSED_STREAM before
 *   processing or INTERNAL_ERROR after, a connection that goes silent
 *   (PINGs included), cutting a body short, answering late.
 * - Both: floods of `103 Early Hints`, answering before the request body
 *   was read.
 *
 * The server records which request ids it **processed** (received in full
 * and ran the handler's side effect for: for a POST, what must never happen
 * twice) and which it **answered** completely.
 *
 * By default the answer is `200` with a text body naming the request
 * (`<id> <method> <request body bytes>\n`), padded with the test pattern to
 * the `size` query parameter (default 64 bytes); `answer` replaces it.
 *
 * @example
 * ```ts
 * const server = yield* FaultServer.make({ seed: 42, faults: { refuseStream: 0.05 } })
 * const response = yield* HttpClient.execute(
 *   HttpClientRequest.post(`${server.url}/orders`).pipe(HttpClientRequest.setHeader("x-request-id", "p1"))
 * )
 * expect(server.processed.get("p1") ?? 0).toBeLessThanOrEqual(1)
 * ```
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import * as http2 from "node:http2"
import type * as net from "node:net"
import * as tls from "node:tls"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { defaultAnswer } from "./internal/fault-answer.js"
import { type FaultContext, INTERIM_FLOOD } from "./internal/fault-context.js"
import { h1Handler } from "./internal/fault-h1.js"
import { h2Handlers } from "./internal/fault-h2.js"
import { FaultLedger } from "./internal/fault-ledger.js"
import { faultKinds, FaultPlan } from "./internal/fault-plan.js"
import { FaultTimers } from "./internal/fault-timers.js"
import type * as internal from "./internal/fault-types.js"
import { Relay } from "./internal/h2-relay.js"
import { Connections, listen } from "./internal/lifecycle.js"
import { within } from "./internal/wait.js"
import * as TestCerts from "./TestCerts.js"
import type * as Wait from "./Wait.js"

/**
 * The wire protocol a request came over, as its ALPN identifier.
 *
 * @since 0.1.0
 */
export type Protocol = internal.Protocol

/**
 * A fault the server can inject.
 *
 * - `closeAfterResponse` (HTTP/1.1): the socket is ended right after an
 *   answer, without `connection: close`; a request the client writes on it
 *   next is dropped unprocessed.
 * - `closeWhenIdle` (HTTP/1.1): a moment (up to `maxDelayMillis`) after an
 *   answer, the socket is destroyed if no request arrived meanwhile.
 * - `goaway` (HTTP/2): GOAWAY(NO_ERROR) naming as last stream the highest one
 *   that reached the server before; this stream and later ones are not
 *   processed. On a session's first stream, that stream is named and
 *   answered: node cannot send a last stream id of 0.
 * - `refuseStream` (HTTP/2): RST_STREAM(REFUSED_STREAM), before processing.
 * - `resetStream` (HTTP/2): RST_STREAM(INTERNAL_ERROR), after processing.
 * - `stall` (HTTP/2): after processing, the connection stops carrying
 *   anything either way, PING acknowledgements included.
 * - `truncateBody`: after processing, a head with the body's content-length,
 *   part of the body, then the socket is destroyed (HTTP/1.1) or the stream
 *   reset with INTERNAL_ERROR (HTTP/2).
 * - `delayHeaders`: after processing, the answer waits up to
 *   `maxDelayMillis`.
 * - `cancelBody` (HTTP/2): after processing, a head with the body's
 *   content-length, part of the body, then RST_STREAM(CANCEL) or (for a
 *   cut in the first half) RST_STREAM(NO_ERROR), never END_STREAM: a body
 *   only its length shows to be short.
 * - `interimFlood`: after processing, {@link interimFloodSize} `103 Early
 *   Hints` before the answer, more than a client should accept.
 * - `earlyResponse`: a request with a body is processed and answered as
 *   soon as its head arrives, before its body is read; the answer's body
 *   line counts the declared `content-length`. HTTP/1.1: for a `cutAt` below
 *   0.5 the answer says `connection: close` and the socket closes once it
 *   is out, otherwise the connection stays and the rest of the body is read
 *   and dropped. HTTP/2: for a `cutAt` below 0.5 RST_STREAM(NO_ERROR) follows
 *   the answer's END_STREAM (stop sending, RFC 9113 §8.1), otherwise the
 *   rest of the body is read and dropped. A request without a body gets the
 *   plain answer, and no fault is counted.
 *
 * @since 0.1.0
 */
export type FaultKind = internal.FaultKind

/**
 * The probability of each fault per request, in [0, 1]. The kinds that apply
 * to one protocol must add up to at most 1: a request gets one fault at most.
 *
 * @since 0.1.0
 */
export type FaultRates = internal.FaultRates

/**
 * The probabilities used for kinds `faults` leaves out.
 *
 * @since 0.1.0
 */
export const defaultRates: FaultRates = {
  closeAfterResponse: 0.02,
  closeWhenIdle: 0.02,
  goaway: 0.005,
  refuseStream: 0.01,
  resetStream: 0.01,
  stall: 0.001,
  truncateBody: 0.01,
  delayHeaders: 0.05,
  cancelBody: 0.005,
  interimFlood: 0.005,
  earlyResponse: 0.01
}

/**
 * Interim responses an `interimFlood` sends before its answer: four times
 * effect-requests' default `maxInterimResponses`.
 *
 * @since 0.1.0
 */
export const interimFloodSize: number = INTERIM_FLOOD

/**
 * What the server decided for one request arrival.
 *
 * @since 0.1.0
 */
export type Decision = internal.Decision

/**
 * A request the server processed, as given to `answer`.
 *
 * @since 0.1.0
 */
export type FaultRequest = internal.FaultRequest

/**
 * The answer to a processed request; `content-length` is always set from the body.
 *
 * @since 0.1.0
 */
export type FaultResponse = internal.FaultResponse

/**
 * How to start the server.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Seeds every decision. Print it with a failure, so the run can be replayed. */
  readonly seed: number
  /** Probability of each fault per request; missing kinds take {@link defaultRates}. */
  readonly faults?: Partial<FaultRates>
  /** Longest delay of `delayHeaders` and `closeWhenIdle`, in ms. Default `20`, at most `50`. */
  readonly maxDelayMillis?: number
  /** Also serve plain HTTP/1.1 on a port of its own (`plainUrl`). Default `false`. */
  readonly plainHttp1?: boolean
  /** Certificate of the TLS port. Default {@link TestCerts.leaf}. */
  readonly tls?: TestCerts.KeyPair
  /** SETTINGS_MAX_CONCURRENT_STREAMS of HTTP/2 sessions. Default `100`. */
  readonly maxConcurrentStreams?: number
  /** Answers processed requests. A function that throws resets the stream or destroys the socket. */
  readonly answer?: (request: FaultRequest) => FaultResponse
}

/**
 * Counters, read live.
 *
 * @since 0.1.0
 */
export interface Stats {
  /** Connections accepted so far, on both ports. */
  readonly connectionsOpened: number
  /** Connections open now, on both ports. */
  readonly openConnections: number
  /** HTTP/2 sessions established so far. */
  readonly sessionsOpened: number
  readonly openSessions: number
  /** Requests that reached the server, per protocol, whatever became of them. */
  readonly arrivals: Readonly<Record<Protocol, number>>
  /** Requests processed, per protocol. */
  readonly processed: Readonly<Record<Protocol, number>>
}

/**
 * A running server.
 *
 * @since 0.1.0
 */
export interface FaultServer {
  readonly seed: number
  /** Origin of the TLS port, offering `h2` and `http/1.1` by ALPN, e.g. `https://127.0.0.1:12345`. */
  readonly url: string
  readonly port: number
  /** Origin of the plain HTTP/1.1 port, with `plainHttp1`. */
  readonly plainUrl: string | undefined
  readonly plainPort: number | undefined
  /** Times each `x-request-id` was processed. */
  readonly processed: ReadonlyMap<string, number>
  /** Times each `x-request-id` was answered completely, as far as the server could tell. */
  readonly answered: ReadonlyMap<string, number>
  /** Faults carried out so far, by kind. */
  readonly faults: Readonly<Record<FaultKind, number>>
  /**
   * Resolves once `n` faults of the kind have been carried out in total; fails with a `WaitTimeout` once
   * `options.timeoutMillis` have passed in real time (default {@link Wait.currentTimeoutMillis}: 5 s).
   */
  readonly awaitFaults: (
    kind: FaultKind,
    n: number,
    options?: Wait.WaitOptions
  ) => Effect.Effect<void, Wait.WaitTimeout>
  /** Every decision, in arrival order. */
  readonly decisions: ReadonlyArray<Decision>
  /** The decisions about one request id, one per arrival. */
  readonly decisionsFor: (requestId: string) => ReadonlyArray<Decision>
  /** One line about a request id, with the seed: its decisions and how often it was processed, for failure messages. */
  readonly explain: (requestId: string) => string
  readonly stats: Stats
  /**
   * Resolves once every connection accepted so far, on both ports, has closed; fails with a `WaitTimeout`
   * once {@link Wait.currentTimeoutMillis} have passed in real time (5 s unless set with `Effect.locally`).
   */
  readonly awaitConnectionsClosed: Effect.Effect<void, Wait.WaitTimeout>
  /** The last error a socket, session, stream or `answer` raised, if any. Clients going away raise some. */
  readonly lastError: unknown
}

/** A live view of the fault counters. */
const faultCounts = ({ injected }: FaultLedger): Readonly<Record<FaultKind, number>> => {
  const view: Partial<Record<FaultKind, number>> = {}
  for (const kind of faultKinds) {
    Object.defineProperty(view, kind, { enumerable: true, get: () => injected[kind].value })
  }
  return view as Readonly<Record<FaultKind, number>>
}

const ratesOf = (faults: Partial<FaultRates> | undefined): FaultRates => ({ ...defaultRates, ...faults })

/**
 * Starts the server on `127.0.0.1` with ephemeral ports. Closing the scope
 * closes it, destroys every connection, waits until each has closed and
 * clears every timer it armed. Dies if the probabilities are out of range.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<FaultServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const rates = ratesOf(options.faults)
    const maxDelayMillis = Math.max(1, Math.min(50, Math.floor(options.maxDelayMillis ?? 20)))
    const plan = yield* Effect.try(() => new FaultPlan(options.seed, rates, maxDelayMillis)).pipe(
      Effect.orDie
    )
    const ledger = new FaultLedger()
    const timers = new FaultTimers()
    yield* Effect.addFinalizer(() => Effect.sync(() => timers.clear()))
    const context: FaultContext = { plan, ledger, timers, answer: options.answer ?? defaultAnswer }

    const h1 = http.createServer(h1Handler(context))
    const h2 = http2.createServer({ settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? 100 } })
    let relay: Relay | undefined = undefined
    const handlers = h2Handlers(context, (session) => {
      const port = session.socket.remotePort
      if (port !== undefined) relay?.stallConnection(port)
    })
    h2.on("session", handlers.session)
    h2.on("stream", handlers.stream)

    // One TLS listener for both protocols: the one ALPN chose gets the socket.
    const certificate = options.tls ?? TestCerts.leaf
    const secure = tls.createServer(
      { cert: certificate.cert, key: certificate.key, ALPNProtocols: ["h2", "http/1.1"], noDelay: true },
      (socket) => {
        socket.on("error", ledger.recordError)
        if (socket.alpnProtocol === "h2") h2.emit("connection", socket)
        else h1.emit("connection", socket)
      }
    )
    secure.on("tlsClientError", ledger.recordError)
    const backendConnections = new Connections()
    backendConnections.track(secure)
    // The server's end of each connection, by the relay port it comes from.
    const backendSockets = new Map<number, net.Socket>()
    secure.on("connection", (socket: net.Socket) => {
      const from = socket.remotePort
      if (from === undefined) return
      backendSockets.set(from, socket)
      socket.once("close", () => backendSockets.delete(from))
    })
    const backendPort = yield* Effect.acquireRelease(listen(secure), () =>
      Effect.zipRight(
        backendConnections.shutdown(secure),
        // Sessions close once their sockets are gone; the counters are final after this.
        Effect.suspend(() => ledger.sessionsClosed.await(ledger.sessionsOpened.value))
      )
    )
    // Connections pass through a relay, which is what lets `stall` act below the session.
    // A session that sent GOAWAY stops reading once drained: the relay tells it the client left.
    const front = new Relay(backendPort, (from) => backendSockets.get(from)?.destroy())
    relay = front
    const port = yield* Effect.acquireRelease(front.listen(), () => front.shutdown())

    const plainConnections = new Connections()
    let plainPort: number | undefined = undefined
    if (options.plainHttp1 === true) {
      const plain = http.createServer(h1Handler(context))
      plainConnections.track(plain)
      plainPort = yield* Effect.acquireRelease(listen(plain), () => plainConnections.shutdown(plain))
    }

    const explain = (requestId: string): string => {
      const tries = plan
        .decisionsFor(requestId)
        .map((d) => `#${d.attempt} ${d.protocol} ${d.fault ?? "none"}`)
        .join(", ")
      return `${requestId} (seed ${options.seed}): ${tries === "" ? "never arrived" : tries}; processed ${ledger.processed.get(requestId) ?? 0}, answered ${ledger.answered.get(requestId) ?? 0}`
    }

    return {
      seed: options.seed,
      url: `https://127.0.0.1:${port}`,
      port,
      plainUrl: plainPort === undefined ? undefined : `http://127.0.0.1:${plainPort}`,
      plainPort,
      processed: ledger.processed,
      answered: ledger.answered,
      faults: faultCounts(ledger),
      awaitFaults: (kind, n, waitOptions) =>
        ledger.injected[kind].awaitWithin(n, "awaitFaults", `${kind} fault`, waitOptions),
      decisions: plan.decisions,
      decisionsFor: (requestId) => plan.decisionsFor(requestId),
      explain,
      stats: {
        get connectionsOpened() {
          return front.connections.opened.value + plainConnections.opened.value
        },
        get openConnections() {
          return front.connections.open + plainConnections.open
        },
        get sessionsOpened() {
          return ledger.sessionsOpened.value
        },
        get openSessions() {
          return ledger.sessionsOpened.value - ledger.sessionsClosed.value
        },
        arrivals: ledger.arrivals,
        processed: ledger.processedBy
      },
      awaitConnectionsClosed: within(
        Effect.suspend(() =>
          Effect.zipRight(
            front.connections.closed.await(front.connections.opened.value),
            plainConnections.closed.await(plainConnections.opened.value)
          )
        ),
        {
          helper: "awaitConnectionsClosed",
          unit: "open connection",
          target: 0,
          seen: () => front.connections.open + plainConnections.open
        }
      ),
      get lastError() {
        return ledger.lastError
      }
    } satisfies FaultServer
  })

/**
 * Every fault kind, in the order their probabilities are laid out.
 *
 * @since 0.1.0
 */
export const kinds: ReadonlyArray<FaultKind> = faultKinds
