/**
 * Shared pieces of the HTTP/2 pool tests: the pool layer over a dialer that
 * trusts the test CA, and requests built from a test server's URL.
 */
import { TestCerts } from "@effect-requests/testing"
import { Chunk, Effect, Layer, TestClock } from "effect"
import type { PreparedBody } from "../../../src/internal/exchange/request-body.js"
import * as Endpoint from "../../../src/Endpoint.js"
import type { RequestsError } from "../../../src/Errors.js"
import { H2ConnectionPool, type H2Options, type H2Response } from "../../../src/internal/h2/pool.js"
import { Dialer } from "../../../src/internal/transport/dialer.js"

/** A dialer trusting the test CA. */
export const dialerLayer = Dialer.layer({ tls: { ca: TestCerts.ca } })

/** The pool over a dialer trusting the test CA. */
export const poolLayer = (options: H2Options = {}) =>
  H2ConnectionPool.layer(options).pipe(Layer.provide(dialerLayer))

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
): Effect.Effect<H2Response, RequestsError, H2ConnectionPool> =>
  Effect.flatMap(H2ConnectionPool, (pool) => {
    const target = new URL(url)
    const endpoint = endpointOf(url)
    return pool.request(endpoint, {
      method: options.method ?? "GET",
      path: target.pathname + target.search,
      authority: endpoint.authority,
      headers: options.headers ?? {},
      body: options.body ?? empty
    })
  })

const utf8 = new TextDecoder()

/** Sends a request and reads its whole body as text. */
export const fetchText = (
  url: string,
  options: Parameters<typeof send>[1] = {}
): Effect.Effect<{ readonly status: number; readonly text: string }, RequestsError, H2ConnectionPool> =>
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
export const awaitDeadline = (millis: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (;;) {
      const now = yield* TestClock.currentTimeMillis
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.some(sleeps, (deadline) => deadline === now + millis)) return
      yield* eventLoopTurn
    }
  })
