/**
 * Typed failures of redirect following. Each carries the chain of redirects
 * followed up to the failure.
 */
import * as Data from "effect/Data"

/**
 * One redirect followed: `url` answered `status`, pointing at `location`.
 *
 * @since 0.1.0
 */
export interface Hop {
  readonly method: string
  readonly url: string
  readonly status: number
  /** The absolute URL the redirect pointed at. */
  readonly location: string
}

/**
 * More redirects than allowed.
 *
 * @since 0.1.0
 */
export class TooManyRedirectsError extends Data.TaggedError("TooManyRedirectsError")<{
  /** The URL first requested. */
  readonly url: string
  readonly max: number
  readonly chain: ReadonlyArray<Hop>
}> {
  override get message(): string {
    return `more than ${this.max} redirects from ${this.url}`
  }
}

/**
 * A redirect the client already followed came round again: the same URL
 * answered the same request with the same redirect.
 *
 * @since 0.1.0
 */
export class RedirectLoopError extends Data.TaggedError("RedirectLoopError")<{
  readonly url: string
  readonly chain: ReadonlyArray<Hop>
}> {
  override get message(): string {
    return `redirect loop from ${this.url} after ${this.chain.length} redirects`
  }
}

/**
 * A redirect from `https` to `http`, refused unless `allowDowngrade` is set.
 *
 * @since 0.1.0
 */
export class RedirectDowngradeError extends Data.TaggedError("RedirectDowngradeError")<{
  readonly from: string
  readonly to: string
  readonly chain: ReadonlyArray<Hop>
}> {
  override get message(): string {
    return `refused to follow a redirect from ${this.from} to insecure ${this.to}`
  }
}

/**
 * A 307 or 308 (or a 301/302 of a method other than POST) asks for the
 * request body to be sent again, and the body is a stream that was read.
 *
 * @since 0.1.0
 */
export class RedirectBodyError extends Data.TaggedError("RedirectBodyError")<{
  readonly url: string
  readonly status: number
  readonly method: string
  readonly chain: ReadonlyArray<Hop>
}> {
  override get message(): string {
    return `cannot follow the ${this.status} of ${this.method} ${this.url}: its streamed body cannot be sent again`
  }
}

/**
 * A `Location` that is not a URL, or not an `http`/`https` one.
 *
 * @since 0.1.0
 */
export class InvalidRedirectError extends Data.TaggedError("InvalidRedirectError")<{
  readonly url: string
  readonly location: string
  readonly chain: ReadonlyArray<Hop>
}> {
  override get message(): string {
    return `invalid redirect from ${this.url} to ${JSON.stringify(this.location)}`
  }
}

/**
 * Every way following a redirect fails.
 *
 * @since 0.1.0
 */
export type RedirectError =
  | TooManyRedirectsError
  | RedirectLoopError
  | RedirectDowngradeError
  | RedirectBodyError
  | InvalidRedirectError
