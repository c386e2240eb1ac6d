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
import { HttpClient } from "@effect/platform"
import { Context, Duration, Effect, Layer, Option } from "effect"
import { type ClientCounters, makeClient, makeSend } from "./client/http-client.js"
import { resolveH1Options } from "./h1/options.js"
import { H1Pool, type H1Options, type H1Stats } from "./h1/pool.js"
import { H2ConnectionPool, type H2Options, type H2Stats } from "./h2/pool.js"
import * as ProtocolRouter from "./router/protocol-router.js"
import { Dialer, type Lookup, type TlsOptions } from "./transport/dialer.js"

/**
 * Options of {@link layer}, grouped by concern. Every field is optional.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Deadline for the TCP connection, DNS included. Default `10 seconds`. */
  readonly connectTimeout?: Duration.DurationInput
  /** Deadline for the TLS handshake. Default `10 seconds`. */
  readonly tlsHandshakeTimeout?: Duration.DurationInput
  /** TLS settings: CA, client certificate, verification, minimum version, session reuse. */
  readonly tls?: TlsOptions
  /** Replaces DNS resolution, e.g. `staticLookup({ "a.test": "127.0.0.1" })`. Default: the system resolver. */
  readonly lookup?: Lookup
  /** Happy eyeballs across IPv6 and IPv4. Default `true`. */
  readonly autoSelectFamily?: boolean
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
  /** HTTP/2 settings. */
  readonly h2?: H2Options
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
  /** Requests sent a second time because a reused connection closed before answering. */
  readonly retries: number
  /** The HTTP/1.1 pool's figures, in total and per endpoint. */
  readonly h1: H1Stats
  /** The HTTP/2 pool's figures; `None` while no HTTP/2 connection is open. */
  readonly h2: Option.Option<H2Stats>
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
  }
>() {}

/**
 * Provides `HttpClient.HttpClient` and {@link Requests}. Every connection the
 * client opens belongs to the layer's scope and is closed with it.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<HttpClient.HttpClient | Requests> => {
  const client = Layer.scopedContext(
    Effect.gen(function* () {
      const pool = yield* H1Pool
      const h2Pool = yield* H2ConnectionPool
      const counters: ClientCounters = { requestsMade: 0, retries: 0 }
      const h1 = resolveH1Options(options.h1)
      const protocol = options.protocol ?? "auto"
      const router =
        protocol === "auto"
          ? yield* ProtocolRouter.make({
              dialer: yield* Dialer,
              h1: pool,
              h2: h2Pool,
              hintTtl: Duration.toMillis(options.protocolHintTtl ?? "10 minutes")
            })
          : undefined
      const send = makeSend(
        pool,
        h2Pool,
        counters,
        { ...h1, http2: protocol === "h2c" ? "always" : protocol === "http2" ? "https" : "never" },
        router
      )
      const stats = Effect.map(Effect.zip(pool.stats, h2Pool.stats), ([h1Stats, h2Stats]): Stats => ({
        requestsMade: counters.requestsMade,
        retries: counters.retries,
        h1: h1Stats,
        h2: h2Stats.connections > 0 ? Option.some(h2Stats) : Option.none()
      }))
      const flush = Effect.zipRight(pool.flush, h2Pool.flush)
      return Context.make(
        HttpClient.HttpClient,
        makeClient(send, { tracing: options.tracing ?? false })
      ).pipe(Context.add(Requests, Requests.of({ stats, flush })))
    })
  )
  return client.pipe(
    Layer.provide(Layer.merge(H1Pool.layer(options.h1), H2ConnectionPool.layer(options.h2))),
    Layer.provide(
      Dialer.layer({
        ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
        ...(options.tlsHandshakeTimeout !== undefined
          ? { tlsHandshakeTimeout: options.tlsHandshakeTimeout }
          : {}),
        ...(options.tls !== undefined ? { tls: options.tls } : {}),
        ...(options.lookup !== undefined ? { lookup: options.lookup } : {}),
        ...(options.autoSelectFamily !== undefined ? { autoSelectFamily: options.autoSelectFamily } : {})
      })
    )
  )
}
