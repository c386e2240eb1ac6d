/**
 * Retries of failed requests as a combinator on any `HttpClient`.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import { globalValue } from "effect/GlobalValue"
import * as Random from "effect/Random"
import * as Cause from "effect/Cause"
import { discard, header } from "./client.js"
import { endpointOf, type Listener, type RetryCause } from "./events.js"
import { parseRetryAfter } from "./retry-after.js"
import { type BudgetOptions, RetryBudget, unlimited } from "./retry-budget.js"
import { defaultStatuses, isRetryable, retryCause } from "./retry-policy.js"
import { type FiberRefs, type Layer, passOn, type Post, type Send, stack } from "./stack.js"

/**
 * Options of {@link retries}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Retries after the first attempt. Default `2`. */
  readonly retries?: number
  /** The first backoff's upper bound; it doubles per retry. Default `100 millis`. */
  readonly baseDelay?: Duration.DurationInput
  /** The largest backoff bound. Default `10 seconds`. */
  readonly maxDelay?: Duration.DurationInput
  /**
   * The longest `Retry-After` honoured; a response asking for longer is
   * returned as is. Default `60 seconds`.
   */
  readonly maxRetryAfter?: Duration.DurationInput
  /** Response statuses retried. Default `[408, 429, 500, 502, 503, 504]`. */
  readonly statuses?: ReadonlyArray<number>
  /**
   * The client's retry budget, or `false` for none. Default `{ ratio: 0.2,
   * burst: 10 }`: retries add at most 20% to the requests made, plus 10.
   */
  readonly budget?: BudgetOptions | false
  /** Receives `RetryScheduled` and `RetryBudgetExhausted` events. Default: none. */
  readonly events?: Listener
}

const currentRetries = globalValue("@effect-requests/client/Retries/retries", () =>
  FiberRef.unsafeMake<number | undefined>(undefined)
)

const outcome = <E>(
  result: Either.Either<HttpClientResponse.HttpClientResponse, E>
): Effect.Effect<HttpClientResponse.HttpClientResponse, E> =>
  Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(result.left)

/** The `Retry-After` of a response outcome, in milliseconds, if it has one that parses. */
const retryAfterOf = <E>(
  result: Either.Either<HttpClientResponse.HttpClientResponse, E>
): Effect.Effect<number | undefined> => {
  if (Either.isLeft(result)) return Effect.succeed(undefined)
  const value = header(result.right.headers, "retry-after")
  if (value === undefined) return Effect.succeed(undefined)
  return Effect.map(Clock.currentTimeMillis, (now) => parseRetryAfter(value, now))
}

/**
 * Sends again requests that failed in a way a later attempt may not:
 * responses with a status of `statuses`, and transport failures before any
 * response (`RequestError` of reason `Transport`, except certificate,
 * encoding and shutdown failures, and a pool's acquire timeout, where a
 * retry would queue again behind the same requests). Only requests safe to
 * repeat are retried:
 * GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or any method with an
 * `Idempotency-Key` header, and only with a body held in memory.
 *
 * Waits are exponential with full jitter (a random wait up to
 * `baseDelay * 2^(retry - 1)`, capped by `maxDelay`), or the response's
 * `Retry-After` when it has one, on Effect's `Clock`. When retries run out
 * the last response or failure is the result. Each client built by this
 * function has its own retry budget.
 *
 * `retries(false)` returns the client unchanged.
 *
 * @since 0.1.0
 */
export const retries =
  (options: Options | false = {}) =>
  <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
    options === false ? client : stack<E, R, never>(client, undefined, [retriesLayer(options)])

/** The retries battery, with a retry budget of its own. */
export const retriesLayer = (options: Options): Layer<never> => {
  const defaultRetries = options.retries ?? 2
  const baseDelay = Duration.toMillis(options.baseDelay ?? Duration.millis(100))
  const maxDelay = Duration.toMillis(options.maxDelay ?? Duration.seconds(10))
  const maxRetryAfter = Duration.toMillis(options.maxRetryAfter ?? Duration.seconds(60))
  const statuses: ReadonlySet<number> = new Set(options.statuses ?? defaultStatuses)
  const budget = options.budget === false ? unlimited : new RetryBudget(options.budget)
  const listener = options.events

  const backoff = (retry: number): Effect.Effect<number> =>
    Effect.map(Random.next, (random) => Math.floor(random * Math.min(maxDelay, baseDelay * 2 ** (retry - 1))))

  const exhausted = (request: HttpClientRequest.HttpClientRequest, reason: RetryCause) =>
    listener?.({
      _tag: "RetryBudgetExhausted",
      endpoint: endpointOf(request.url),
      method: request.method,
      url: request.url,
      reason
    })

  const step = <E, R>(next: Send<E, R>, post: Post): Send<E, R> => {
    type Result = Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>

    /** One attempt; a response whose status is not retried, the common case, goes straight back. */
    const attempt = (
      request: HttpClientRequest.HttpClientRequest,
      fiber: FiberRefs,
      max: number,
      retry: number
    ): Result =>
      Effect.matchCauseEffect(next(request, fiber), {
        onFailure: (cause) => {
          // As `matchEffect` does: a defect is passed on, a typed failure decided on.
          const failure = Cause.failureOrCause(cause)
          return Either.isLeft(failure) && !Cause.isDie(cause)
            ? decide(request, fiber, max, retry, Either.left(failure.left))
            : Effect.failCause(cause)
        },
        onSuccess: (raw) => {
          const response = post(raw, fiber)
          return statuses.has(response.status)
            ? decide(request, fiber, max, retry, Either.right(response))
            : Effect.succeed(response)
        }
      })

    const decide = (
      request: HttpClientRequest.HttpClientRequest,
      fiber: FiberRefs,
      max: number,
      retry: number,
      result: Either.Either<HttpClientResponse.HttpClientResponse, E>
    ): Result => {
      const reason = retry > max ? undefined : retryCause(result, statuses)
      if (reason === undefined) return outcome(result)
      return Effect.flatMap(retryAfterOf(result), (retryAfter) => {
        if (retryAfter !== undefined && retryAfter > maxRetryAfter) return outcome(result)
        if (!budget.withdraw()) {
          exhausted(request, reason)
          return outcome(result)
        }
        return Effect.flatMap(
          retryAfter === undefined ? backoff(retry) : Effect.succeed(retryAfter),
          (waitMillis) => {
            listener?.({
              _tag: "RetryScheduled",
              endpoint: endpointOf(request.url),
              method: request.method,
              url: request.url,
              attempt: retry,
              reason,
              waitMillis,
              retryAfter: retryAfter !== undefined
            })
            const dropped = Either.isRight(result) ? discard(result.right) : Effect.void
            return dropped.pipe(
              Effect.zipRight(Effect.sleep(Duration.millis(waitMillis))),
              Effect.zipRight(attempt(request, fiber, max, retry + 1))
            )
          }
        )
      })
    }

    return (request, fiber) => {
      budget.deposit()
      const max = fiber.getFiberRef(currentRetries) ?? defaultRetries
      if (max === 0 || !isRetryable(request)) {
        return passOn(next, post, request, fiber)
      }
      return attempt(request, fiber, max, 1)
    }
  }
  return { step }
}

/**
 * Runs `effect` with up to `retries` retries per request.
 *
 * @since 0.1.0
 */
export const withRetries: {
  (retries: number): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, retries: number): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(effect: Effect.Effect<A, E, R>, retries: number): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentRetries, retries)
)

/**
 * Runs `effect` with its requests never retried.
 *
 * @since 0.1.0
 */
export const disabled = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, currentRetries, 0)
