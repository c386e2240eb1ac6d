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

/**
 * How the road's caller turns the outcome into its own: a response, or the
 * error it fails with. Static functions over the exchange, so a request
 * costs no closure of its own for them.
 *
 * @internal
 */
export interface Finish<X extends Exchange, A, E> {
  readonly answered: (exchange: X, answer: ExchangeResponse) => Effect.Effect<A, E>
  readonly failed: (exchange: X, error: RequestsError) => E
}

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
export const makeSend = <X extends Exchange, A, E>(
  deps: SendDeps,
  finish: Finish<X, A, E>
): ((exchange: X) => Effect.Effect<A, E>) => {
  type Result = Effect.Effect<A, E>
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

  const retry = (exchange: X, protocol: Protocol, reason: RetryReason, attempts: Attempts): Result => {
    observer.retries++
    if (listening) observer.emit({ _tag: "Retried", endpoint: exchange.endpoint.key, protocol, reason })
    const again: X = { ...exchange, retry: reason }
    return Effect.zipRight(prepare(exchange, reason), route(again, attempts))
  }

  const attempt = (exchange: X, protocol: Protocol, attempts: Attempts | undefined): Result => {
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
        return finish.answered(exchange, response)
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
          return Effect.zipRight(
            router.forget(exchange.endpoint),
            Effect.fail(finish.failed(exchange, error))
          )
        return Effect.fail(finish.failed(exchange, error))
      }
    })
  }

  const discoveryFailed = (exchange: X, error: RequestsError): Result => {
    observer.errors++
    if (listening) {
      observer.emit({ _tag: "Failed", endpoint: exchange.endpoint.key, protocol: undefined, error })
    }
    return Effect.fail(finish.failed(exchange, error))
  }

  const route = (exchange: X, attempts: Attempts | undefined): Result => {
    const known = router.knownProtocol(exchange.endpoint)
    if (known !== undefined) return attempt(exchange, known, attempts)
    return Effect.matchEffect(router.protocolFor(exchange.endpoint), {
      onFailure: (error) => discoveryFailed(exchange, error),
      onSuccess: (protocol) => attempt(exchange, protocol, attempts)
    })
  }

  return (exchange) => route(exchange, undefined)
}
