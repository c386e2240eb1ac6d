/**
 * How one soak request ended, as the caller saw it, and the checks that
 * tell a typed failure from anything else.
 */
import type { HttpClientError } from "@effect/platform"

/** The tags of the client's typed failures (`Errors.RequestsError`). */
export const typedTags: ReadonlySet<string> = new Set([
  "ConnectError",
  "TlsError",
  "TimeoutError",
  "ProtocolError",
  "ClosedError",
  "RequestBodyError",
  "InvalidRequestError",
  "ClientClosedError",
  "GoAwayError",
  "StreamResetError",
  "LimitExceededError"
])

/** A typed failure as it reaches the caller: a tag from the known set, and the endpoint it concerns. */
export interface TypedCause {
  readonly _tag: string
  readonly endpoint: string
  /** Its own message, which names the phase and what happened. */
  readonly message: string
}

/** The client's typed error inside a platform error, if that is what its `cause` is. */
export const typedCause = (error: HttpClientError.HttpClientError): TypedCause | undefined => {
  const cause: unknown = error.cause
  if (typeof cause !== "object" || cause === null) return undefined
  if (!("_tag" in cause) || typeof cause._tag !== "string" || !typedTags.has(cause._tag)) return undefined
  if (!("endpoint" in cause) || typeof cause.endpoint !== "string") return undefined
  return { _tag: cause._tag, endpoint: cause.endpoint, message: String(cause) }
}

/** How one request ended. */
export type Outcome =
  | { readonly _tag: "Succeeded"; readonly attempts: number }
  /** Failed for good with a typed cause. */
  | { readonly _tag: "Failed"; readonly attempts: number; readonly cause: TypedCause; readonly error: string }
  /** Answered, but not with this request's answer. */
  | { readonly _tag: "WrongAnswer"; readonly detail: string }
  /** Failed with something other than a typed cause, or died. */
  | { readonly _tag: "Untyped"; readonly detail: string }
  /** Did not settle within the guard deadline. */
  | { readonly _tag: "Hung" }
