/**
 * The road of one exchange above the pools: the router picks the protocol,
 * the pool carries the attempt, and the retry policy decides whether a
 * failed (or misdirected) attempt goes again. Every attempt is counted for
 * its origin and protocol, replays included.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Protocol, RequestsError } from "../../Errors.js"
import type { RetryReason } from "../../Events.js"
import type { H1PoolService } from "../h1/pool-service.js"
import type { H2ConnectionPoolService } from "../h2/pool.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import type { Observer } from "../observe/observer.js"
import { Attempts, failureReason, responseReason, type RetryPolicyOptions } from "../retry/policy.js"
import type { ProtocolRouterService } from "../router/protocol-router.js"

type Result = Effect.Effect<ExchangeResponse, RequestsError>

/** What the road is built on. @internal */
export interface SendDeps {
  readonly router: ProtocolRouterService
  readonly h1: H1PoolService
  readonly h2: H2ConnectionPoolService
  readonly observer: Observer
  readonly retryNonIdempotent: boolean
}

/**
 * Builds the function that carries an exchange to its response head.
 *
 * @internal
 */
export const makeSend = (deps: SendDeps): ((exchange: Exchange) => Result) => {
  const { router, h1, h2, observer } = deps
  const listening = observer.listener !== undefined
  const policy: RetryPolicyOptions = { retryNonIdempotent: deps.retryNonIdempotent, routed: router.learns }

  /** What must change before the exchange goes again for this reason. */
  const prepare = (exchange: Exchange, reason: RetryReason): Effect.Effect<void> => {
    switch (reason) {
      case "Http11Required":
        return router.remember(exchange.endpoint, "http/1.1")
      case "ProtocolChanged":
        return router.forget(exchange.endpoint)
      case "Misdirected":
        return Effect.zipRight(h2.misdirected(exchange.endpoint), router.forget(exchange.endpoint))
      default:
        return Effect.void
    }
  }

  const retry = (exchange: Exchange, protocol: Protocol, reason: RetryReason, attempts: Attempts): Result => {
    observer.retries++
    if (listening) observer.emit({ _tag: "Retried", endpoint: exchange.endpoint.key, protocol, reason })
    const again: Exchange = { ...exchange, retry: reason }
    return Effect.zipRight(prepare(exchange, reason), route(again, attempts))
  }

  const attempt = (exchange: Exchange, protocol: Protocol, attempts: Attempts | undefined): Result => {
    const origin = observer.origin(exchange.endpoint.key, protocol)
    origin.requests++
    const started = observer.now()
    const pool = protocol === "h2" ? h2 : h1
    return Effect.matchEffect(pool.exchange(exchange), {
      onSuccess: (response): Result => {
        const elapsedMillis = observer.finished(origin, started)
        const reason = responseReason(exchange, response)
        if (reason !== undefined && (attempts ??= new Attempts()).take(reason)) {
          response.body.abandon()
          return retry(exchange, protocol, reason, attempts)
        }
        if (listening) {
          observer.emit({
            _tag: "ResponseHeaders",
            endpoint: exchange.endpoint.key,
            protocol,
            status: response.head.status,
            elapsedMillis
          })
        }
        return Effect.succeed(response)
      },
      onFailure: (error): Result => {
        observer.finished(origin, started)
        const reason = failureReason(exchange, error, policy)
        if (reason !== undefined && (attempts ??= new Attempts()).take(reason)) {
          return retry(exchange, protocol, reason, attempts)
        }
        observer.failed(origin)
        if (listening) observer.emit({ _tag: "Failed", endpoint: exchange.endpoint.key, protocol, error })
        // Sent to HTTP/1.1 on the server's word, which its handshake then refused: ask it afresh next time.
        if (
          exchange.retry === "Http11Required" &&
          (error._tag === "TlsError" || error._tag === "ProtocolError")
        )
          return Effect.zipRight(router.forget(exchange.endpoint), Effect.fail(error))
        return Effect.fail(error)
      }
    })
  }

  const discoveryFailed = (exchange: Exchange) => (error: RequestsError) =>
    Effect.sync(() => {
      observer.errors++
      if (listening) {
        observer.emit({ _tag: "Failed", endpoint: exchange.endpoint.key, protocol: undefined, error })
      }
    })

  const route = (exchange: Exchange, attempts: Attempts | undefined): Result => {
    const known = router.knownProtocol(exchange.endpoint)
    if (known !== undefined) return attempt(exchange, known, attempts)
    return Effect.flatMap(
      Effect.tapError(router.protocolFor(exchange.endpoint), discoveryFailed(exchange)),
      (protocol) => attempt(exchange, protocol, attempts)
    )
  }

  return (exchange) => route(exchange, undefined)
}
