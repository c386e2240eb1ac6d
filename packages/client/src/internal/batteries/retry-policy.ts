/**
 * What may be sent again, and why.
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import { isReplayable } from "./client.js"
import type { RetryCause } from "./events.js"

const idempotent: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"])

/** The statuses retried by default: the server may well answer next time. */
export const defaultStatuses: ReadonlyArray<number> = [408, 429, 500, 502, 503, 504]

/**
 * Causes of a transport failure that a retry will not cure: a certificate
 * rejected, a request the client cannot encode, a client shut down, a
 * request body that failed.
 */
const permanent: ReadonlySet<string> = new Set([
  "TlsError",
  "InvalidRequestError",
  "ClientClosedError",
  "RequestBodyError"
])

/** The request can be sent twice without harm, and its body again. */
export const isRetryable = (request: HttpClientRequest.HttpClientRequest): boolean =>
  (idempotent.has(request.method) || request.headers["idempotency-key"] !== undefined) &&
  isReplayable(request.body)

/**
 * A request that waited out its pool's `acquireTimeout`: the client itself
 * is saturated, and a retry would only queue again behind the same requests.
 */
const isAcquireTimeout = (cause: unknown): boolean =>
  Predicate.hasProperty(cause, "_tag") &&
  cause._tag === "TimeoutError" &&
  Predicate.hasProperty(cause, "phase") &&
  cause.phase === "acquire"

/** A `RequestError` of reason `Transport` whose cause is not permanent: no response came. */
const isTransportFailure = (error: unknown): boolean =>
  error instanceof HttpClientError.RequestError &&
  error.reason === "Transport" &&
  !(Predicate.hasProperty(error.cause, "_tag") && permanent.has(String(error.cause._tag))) &&
  !isAcquireTimeout(error.cause)

/** Why this outcome deserves a retry, or `undefined`. */
export const retryCause = <E>(
  outcome: Either.Either<HttpClientResponse.HttpClientResponse, E>,
  statuses: ReadonlySet<number>
): RetryCause | undefined => {
  if (Either.isRight(outcome)) {
    const status = outcome.right.status
    return statuses.has(status) ? { _tag: "Status", status } : undefined
  }
  return isTransportFailure(outcome.left) ? { _tag: "Transport", error: outcome.left } : undefined
}
