/**
 * The public face of effect-requests: one layer that provides
 * @effect/platform's `HttpClient` and a `Requests` service for stats and
 * pool control.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Requests } from "@effect-requests/client"
 * import { Effect } from "effect"
 *
 * const program = HttpClient.get("http://localhost:8080/").pipe(
 *   Effect.flatMap((response) => response.text)
 * )
 * Effect.runPromise(program.pipe(Effect.provide(Requests.layer())))
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { Dialer, type DnsOptions, type Lookup, type TlsOptions } from "./Dialer.js"
import * as Endpoint from "./Endpoint.js"
import { InvalidRequestError, type RequestsError } from "./Errors.js"
import type { Listener } from "./Events.js"
import { H1Pool, type H1Options, type H1Stats, make as makeH1Pool } from "./H1Pool.js"
import { H2ConnectionPool, type H2Options, type H2Stats, make as makeH2Pool } from "./H2ConnectionPool.js"
import {
  makeClient,
  makeExecute,
  makePlatformFinish,
  type PlatformExchange
} from "./internal/client/http-client.js"
import { makeSend } from "./internal/client/send.js"
import { type BatteryLayerOptions, withBatteries } from "./internal/batteries/layer.js"
import { DEFAULT_MAX_BODY_SIZE } from "./internal/limits/settings.js"
import {
  type BatteryStats,
  CurrentObserver,
  Observer,
  type OriginStats
} from "./internal/observe/observer.js"
import { type DialerOptions, make as makeDialer } from "./internal/transport/dialer.js"
import type { ProxySetting } from "./internal/transport/proxy-config.js"
import { makeRouting } from "./internal/transport/routing.js"
import { make as makeRouter, ProtocolRouter, type RouterOptions } from "./ProtocolRouter.js"

/**
 * Options of {@link layer}, grouped by concern. Every field is optional.
 *
 * The batteries (`batteries`, `decompress`, `redirects`, `retry`,
 * `cookies`, `credentials`, `headers`, `baseUrl`, `userAgent`) are
 * described by {@link BatteryLayerOptions}; each has a per-request override
 * in its own module (`Redirects.disabled`, `Retries.withRetries`...) and is
 * also a combinator on any `HttpClient`.
 *
 * @since 0.1.0
 */
export interface Options extends BatteryLayerOptions {
  /** Deadline for the TCP connection, DNS included. Default `10 seconds`. */
  readonly connectTimeout?: Duration.DurationInput
  /** Deadline for the TLS handshake. Default `10 seconds`. */
  readonly tlsHandshakeTimeout?: Duration.DurationInput
  /** TLS settings: CA, client certificate, verification, minimum version, session reuse. */
  readonly tls?: TlsOptions
  /** Replaces DNS resolution, e.g. `staticLookup({ "a.test": "127.0.0.1" })`. Default: the system resolver. */
  readonly lookup?: Lookup
  /** Happy eyeballs across IPv6 and IPv4, 250 ms apart (RFC 8305). Default `true`. */
  readonly autoSelectFamily?: boolean
  /**
   * The resolver cache, used when no `lookup` is given: answers kept for
   * their TTL (at most `maxTtlSeconds`, default 300), failures for
   * `negativeTtlSeconds` (default 1); `cache: false` resolves every dial
   * with the system resolver. Default: on.
   */
  readonly dns?: DnsOptions
  /**
   * Where connections go: a proxy URL (`http://`, `https://` for TLS to the
   * proxy, `socks5://`, `socks5h://` for DNS at the proxy, `socks4a://`;
   * credentials as `user:password@`), `"env"` to follow `HTTP_PROXY`,
   * `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (lower or upper case, curl's
   * rules), or `false` for direct connections. Through an HTTP proxy,
   * `https` goes through a CONNECT tunnel (ALPN still picks the protocol)
   * and plain `http` in absolute-form over pooled connections to the proxy.
   * Default `"env"`.
   */
  readonly proxy?: ProxySetting
  /**
   * Origins served on a Unix domain socket, e.g.
   * `{ "http://docker": "/var/run/docker.sock" }`; they never go through a
   * proxy. HTTP/1.1, or h2c with `protocol: "h2c"`. Default: none.
   */
  readonly unixSockets?: Readonly<Record<string, string>>
  /**
   * Which protocol to speak. `"auto"`: for `https` URLs, offer `h2` and
   * `http/1.1` by ALPN on the first connection to an origin and keep what
   * the server chose; HTTP/1.1 for `http` URLs. `"http1"`: HTTP/1.1
   * everywhere. `"http2"`: HTTP/2 for `https` URLs (ALPN h2 only), HTTP/1.1
   * for `http` ones. `"h2c"`: HTTP/2 everywhere, with prior knowledge for
   * `http` URLs. Default `"auto"`.
   */
  readonly protocol?: "auto" | "http1" | "http2" | "h2c"
  /** How long the protocol an origin chose by ALPN is trusted before it is asked again. Default `10 minutes`. */
  readonly protocolHintTtl?: Duration.DurationInput
  /** HTTP/1.1 settings. */
  readonly h1?: H1Options
  /** HTTP/2 settings, connection coalescing among them. */
  readonly h2?: H2Options
  /**
   * Receives every connection, request and battery event (see the `Events`
   * module), synchronously. Default: none, and no connection or request
   * event is even built.
   */
  readonly events?: Listener
  /**
   * Largest response body, in bytes, that `text`, `json`, `arrayBuffer`,
   * `formData` and `urlParamsBody` read into memory. A larger declared
   * `content-length` fails before any byte is read; without one, the read
   * fails as soon as more has arrived. Either way the connection (or HTTP/2
   * stream) is closed and the cause is a `LimitExceededError` with
   * `limit: "maxBodySize"`. `stream` is not limited. Set it per request with
   * `Limits.withMaxBodySize`. Default `64 MiB`: a buffered read costs up to
   * twice the body in memory, and `text` can never exceed V8's string limit
   * (about 512 MiB) anyway.
   */
  readonly maxBodySize?: number
  /**
   * Whole-request deadline: from the start of a request to its response
   * head, and on through the read of its body (buffered, or as a `stream`),
   * on Effect's Clock.
   * Past it the request fails with a `TimeoutError` (phase `headers`, or
   * `body` while reading it) and its connection or stream is closed. Set
   * it per request with `Timeouts.withTimeout`. Default: none; the pools'
   * `acquireTimeout`, `headersTimeout` and `bodyTimeout` bound each phase
   * (the last two also per request, with `Timeouts.withHeadersTimeout` and
   * `Timeouts.withBodyTimeout`).
   */
  readonly timeout?: Duration.DurationInput
  /**
   * Create a client span per request and propagate trace headers, as
   * @effect/platform's own clients do. Costs tens of microseconds of CPU per
   * request. Default `false`.
   */
  readonly tracing?: boolean
}

/**
 * Figures about the client since its layer was built.
 *
 * @since 0.1.0
 */
export interface Stats {
  /** Requests handed to the client, successful or not. */
  readonly requestsMade: number
  /** From each attempt's start to its response head (or failure), summed over all requests. */
  readonly totalTime: Duration.Duration
  /**
   * Requests sent again: after a reused HTTP/1.1 connection closed before
   * answering, a stream the server refused or left unprocessed by GOAWAY, a
   * request for HTTP/1.1, or a 421 on a coalesced connection.
   */
  readonly retries: number
  /** Requests that failed for good, before a response head, whatever the reason. */
  readonly errors: number
  /** What the batteries did: redirects followed, retries of the retry battery, bytes decompressed... */
  readonly batteries: BatteryStats
  /** The HTTP/1.1 pool's figures, in total and per endpoint. */
  readonly h1: H1Stats
  /** The HTTP/2 pool's figures; `None` while no HTTP/2 connection is open. */
  readonly h2: Option.Option<H2Stats>
  /** Requests, errors and time per origin and protocol. */
  readonly origins: ReadonlyArray<OriginStats>
}

export type { BatteryStats, OriginStats } from "./internal/observe/observer.js"
export type { BatteryLayerOptions } from "./internal/batteries/layer.js"
export type { ProxySetting } from "./internal/transport/proxy-config.js"

/**
 * Options of {@link Requests}' `warm`.
 *
 * @since 0.1.0
 */
export interface WarmOptions {
  /**
   * Connections to have open to the origin. Default `1`. Capped by the pool's
   * `maxConnectionsPerEndpoint`; an HTTP/2 origin rarely needs more than one.
   */
  readonly connections?: number
}

/**
 * Stats and control of the client that {@link layer} provides.
 *
 * @since 0.1.0
 */
export class Requests extends Context.Tag("@effect-requests/client/Requests")<
  Requests,
  {
    /** A snapshot of the client's figures. */
    readonly stats: Effect.Effect<Stats>
    /** Closes idle connections; busy ones finish their exchanges, then close. */
    readonly flush: Effect.Effect<void>
    /**
     * Opens connections to the URL's origin ahead of the first request, in the
     * protocol the client would choose for it (discovering it by ALPN if need
     * be). Succeeds once they are open.
     */
    readonly warm: (url: string | URL, options?: WarmOptions) => Effect.Effect<void, RequestsError>
  }
>() {}

/** What {@link layerWithoutPools} provides, built over the pools and router in context. */
const makeContext = (options: Options) =>
  Effect.gen(function* () {
    const h1 = yield* H1Pool
    const h2 = yield* H2ConnectionPool
    const router = yield* ProtocolRouter
    const observer = yield* CurrentObserver
    const limits = {
      maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
      timeout: options.timeout === undefined ? undefined : Duration.toMillis(options.timeout)
    }
    const direct = makeSend(
      { router, h1, h2, observer, retryNonIdempotent: options.h1?.retryNonIdempotent ?? false },
      makePlatformFinish(limits)
    )
    const routing = makeRouting({
      proxy: options.proxy,
      unixSockets: options.unixSockets,
      protocol: options.protocol
    })
    const send = routing.active ? (exchange: PlatformExchange) => direct(routing.exchange(exchange)) : direct
    const stats = Effect.map(
      Effect.zip(h1.stats, h2.stats, { concurrent: false }).pipe(Effect.zipLeft(observer.publish)),
      ([h1Stats, h2Stats]): Stats => ({
        requestsMade: observer.requestsMade,
        totalTime: Duration.millis(observer.totalTimeMillis),
        retries: observer.retries,
        errors: observer.errors,
        batteries: observer.batteryStats(),
        h1: h1Stats,
        h2: h2Stats.connections > 0 ? Option.some(h2Stats) : Option.none(),
        origins: observer.originStats()
      })
    )
    // Metrics follow the client even when nobody reads its figures: the pools' rounds publish
    // them, from their first endpoint on, so that a client starts no timer before its first request.
    const flush = Effect.zipRight(h1.flush, h2.flush)

    const warm = (url: string | URL, warmOptions: WarmOptions = {}): Effect.Effect<void, RequestsError> =>
      Effect.suspend(() => {
        const parsed = URL.canParse(String(url)) ? Endpoint.fromUrl(new URL(url)) : undefined
        const endpoint = parsed === undefined ? undefined : routing.endpoint(parsed)
        if (endpoint === undefined) {
          return Effect.fail(
            new InvalidRequestError({ reason: "InvalidUrl", detail: `cannot warm ${String(url)}` })
          )
        }
        const connections = Math.max(1, warmOptions.connections ?? 1)
        return Effect.flatMap(router.protocolFor(endpoint), (protocol) =>
          protocol === "h2" ? h2.warm(endpoint, connections) : h1.warm(endpoint, connections)
        )
      })

    const client = withBatteries(
      makeClient(makeExecute(send, observer, limits), { tracing: options.tracing ?? false }),
      options,
      observer.battery
    )
    return Context.make(HttpClient.HttpClient, client).pipe(
      Context.add(Requests, Requests.of({ stats, flush, warm }))
    )
  })

/**
 * Provides `HttpClient.HttpClient` and {@link Requests} over pools and a
 * router you build yourself: to share pools between clients, to configure
 * them apart, or to put a mock in place of one (as platform-node's
 * `layerUndiciWithoutDispatcher` does for its dispatcher). Of `options`, it
 * reads the battery options, `events`, `tracing`, `maxBodySize`, `timeout`,
 * `proxy`, `unixSockets`, `protocol` (for h2c through a proxy) and
 * `h1.retryNonIdempotent`; the rest belong to the layers you provide.
 * Its figures and `events` are its own requests': the connection events of
 * pools and a dialer built by their own layers reach no listener.
 *
 * @example
 * ```ts
 * const client = Requests.layerWithoutPools().pipe(
 *   Layer.provide(ProtocolRouter.layer({ protocol: "h2c" })),
 *   Layer.provideMerge(Layer.merge(H1Pool.layer(), myMockH2Pool)),
 *   Layer.provide(Dialer.layer())
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layerWithoutPools = (
  options: Options = {}
): Layer.Layer<HttpClient.HttpClient | Requests, never, H1Pool | H2ConnectionPool | ProtocolRouter> =>
  Layer.scopedContext(
    // An observer of the client's own: its figures and events are its requests', whatever else
    // the process runs.
    Effect.flatMap(Effect.clock, (clock) =>
      Effect.provideService(
        makeContext(options),
        CurrentObserver,
        new Observer(options.events, () => clock.unsafeCurrentTimeMillis())
      )
    )
  )

/**
 * Provides `HttpClient.HttpClient` and {@link Requests}. Every connection the
 * client opens belongs to the layer's scope and is closed with it: closing
 * the layer fails requests still waiting for a connection, lets exchanges in
 * flight finish for up to each pool's `closeTimeout` (GOAWAY first on
 * HTTP/2), then closes every socket.
 *
 * It provides what {@link layerWithoutPools} over `ProtocolRouter.layer`,
 * `H1Pool.layer`, `H2ConnectionPool.layer` and `Dialer.layer` would, each
 * part built from its part of `options`, in one layer. Building it starts
 * no timer: the pools' housekeeping starts with their first endpoint, the
 * DNS resolver with the first name to resolve; zlib, SOCKS and HTTP/2 load
 * on first use, and tough-cookie only when cookies are on.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<HttpClient.HttpClient | Requests> =>
  // One layer, not a graph of six: every layer of a graph costs a client its own scope and
  // memoization at start and at close, most of what a short-lived client spends besides its
  // first request.
  Layer.scopedContext(
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const now = () => clock.unsafeCurrentTimeMillis()
      // One observer for the client, the router, the pools and the dialer.
      const observer = new Observer(options.events, now)
      const dialer = makeDialer(dialerOptions(options), observer, now)
      const parts = Context.make(CurrentObserver, observer).pipe(Context.add(Dialer, dialer))
      const scope = yield* Effect.scope
      // The pools close side by side, each in the order its own finalizers need.
      const pools = yield* Scope.fork(scope, ExecutionStrategy.parallel)
      const inPoolScope = <A>(make: Effect.Effect<A, never, Scope.Scope | Dialer>) =>
        Effect.flatMap(Scope.fork(pools, ExecutionStrategy.sequential), (child) =>
          make.pipe(Scope.extend(child), Effect.provide(parts))
        )
      const h1 = yield* inPoolScope(makeH1Pool(options.h1))
      const h2 = yield* inPoolScope(makeH2Pool(options.h2))
      const withPools = Context.add(Context.add(parts, H1Pool, h1), H2ConnectionPool, h2)
      const router = yield* makeRouter(routerOptions(options)).pipe(Effect.provide(withPools))
      return yield* makeContext(options).pipe(Effect.provide(Context.add(withPools, ProtocolRouter, router)))
    })
  )

const dialerOptions = (options: Options): DialerOptions => ({
  ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
  ...(options.tlsHandshakeTimeout !== undefined ? { tlsHandshakeTimeout: options.tlsHandshakeTimeout } : {}),
  ...(options.tls !== undefined ? { tls: options.tls } : {}),
  ...(options.lookup !== undefined ? { lookup: options.lookup } : {}),
  ...(options.autoSelectFamily !== undefined ? { autoSelectFamily: options.autoSelectFamily } : {}),
  ...(options.dns !== undefined ? { dns: options.dns } : {})
})

const routerOptions = (options: Options): RouterOptions => ({
  ...(options.protocol !== undefined ? { protocol: options.protocol } : {}),
  ...(options.protocolHintTtl !== undefined ? { protocolHintTtl: options.protocolHintTtl } : {})
})
