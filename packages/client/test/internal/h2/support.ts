/**
 * Shared pieces of the HTTP/2 pool tests: the pool layer over a dialer that
 * trusts the test CA, the client's exchange road over it (router, retry
 * policy), and requests built from a test server's URL.
 */
import { TestCerts, Wait } from "@effect-requests/testing"
import { Chunk, Context, Effect, Layer, TestClock } from "effect"
import type { PreparedBody } from "../../../src/internal/exchange/request-body.js"
import * as Endpoint from "../../../src/Endpoint.js"
import type { RequestsError } from "../../../src/Errors.js"
import { Dialer } from "../../../src/Dialer.js"
import type { Exchange, ExchangeResponse } from "../../../src/Exchange.js"
import { H1Pool } from "../../../src/H1Pool.js"
import { H2ConnectionPool, type H2Options } from "../../../src/H2ConnectionPool.js"
import { makeSend } from "../../../src/internal/client/send.js"
import { CurrentObserver } from "../../../src/internal/observe/observer.js"
import { ProtocolRouter } from "../../../src/ProtocolRouter.js"

/** A dialer trusting the test CA. */
export const dialerLayer = Dialer.layer({ tls: { ca: TestCerts.ca } })

/** The road an exchange takes above the pools: routing, replays, counting. */
export class Road extends Context.Tag("test/Road")<
  Road,
  (exchange: Exchange) => Effect.Effect<ExchangeResponse, RequestsError>
>() {}

const road = Layer.effect(
  Road,
  Effect.gen(function* () {
    return makeSend(
      {
        router: yield* ProtocolRouter,
        h1: yield* H1Pool,
        h2: yield* H2ConnectionPool,
        observer: yield* CurrentObserver,
        retryNonIdempotent: false
      },
      {
        answered: (_: Exchange, answer: ExchangeResponse) => Effect.succeed(answer),
        failed: (_: Exchange, error: RequestsError) => error
      }
    )
  })
)

/**
 * The pool over a dialer (by default one trusting the test CA), and the
 * client's road over it, speaking HTTP/2 to every endpoint.
 */
export const poolLayer = (options: H2Options = {}, dialer: Layer.Layer<Dialer> = dialerLayer) =>
  road.pipe(
    Layer.provideMerge(ProtocolRouter.layer({ protocol: "h2c" })),
    Layer.provideMerge(Layer.merge(H1Pool.layer(), H2ConnectionPool.layer(options))),
    Layer.provideMerge(dialer)
  )

export const endpointOf = (url: string): Endpoint.Endpoint => Endpoint.fromUrl(new URL(url))!

export const empty: PreparedBody = { _tag: "Empty" }

export const bytesBody = (text: string, contentType?: string): PreparedBody => ({
  _tag: "Bytes",
  bytes: new TextEncoder().encode(text),
  contentType
})

/** Sends one request through the pool. */
export const send = (
  url: string,
  options: {
    readonly method?: string
    readonly headers?: Record<string, string>
    readonly body?: PreparedBody
  } = {}
): Effect.Effect<ExchangeResponse, RequestsError, Road> =>
  Effect.flatMap(Road, (send) => {
    const target = new URL(url)
    return send({
      endpoint: endpointOf(url),
      method: options.method ?? "GET",
      target: target.pathname + target.search,
      headers: options.headers ?? {},
      body: options.body ?? empty,
      retry: undefined
    })
  })

const utf8 = new TextDecoder()

/** Sends a request and reads its whole body as text. */
export const fetchText = (
  url: string,
  options: Parameters<typeof send>[1] = {}
): Effect.Effect<{ readonly status: number; readonly text: string }, RequestsError, Road> =>
  Effect.flatMap(send(url, options), (response) =>
    Effect.map(response.body.readAll, (bytes) => ({ status: response.head.status, text: utf8.decode(bytes) }))
  )

export const stats = Effect.flatMap(H2ConnectionPool, (pool) => pool.stats)

/** One turn of Node's event loop, so socket callbacks pending now get to run. */
const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/**
 * Waits until a fiber sleeps on the TestClock until exactly `millis` from
 * now: the deadline armed in reaction to a socket event, not a timer that
 * was already there.
 */
export const awaitDeadline = (millis: number): Effect.Effect<void, Wait.WaitTimeout> => {
  let armed = 0
  const wait = Effect.gen(function* () {
    for (;;) {
      const now = yield* TestClock.currentTimeMillis
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.some(sleeps, (deadline) => deadline === now + millis)) return void (armed = 1)
      yield* eventLoopTurn
    }
  })
  // Bounded in real time: a deadline that is never armed fails with what was waited for.
  return Wait.within(wait, {
    helper: "awaitDeadline",
    unit: `deadline ${millis} ms ahead`,
    target: 1,
    seen: () => armed
  })
}
