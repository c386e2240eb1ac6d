/**
 * The failures `ereq` adds to the client's own: usage, files, `-f`, `-m`.
 *
 * @internal
 */
import * as Data from "effect/Data"

/** A mistake on the command line: curl's exit code 2. @internal */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly detail: string }> {
  override get message(): string {
    return this.detail
  }
}

/** A URL that does not parse: curl's exit code 3. @internal */
export class UrlError extends Data.TaggedError("UrlError")<{ readonly url: string }> {
  override get message(): string {
    return `malformed URL: ${this.url}`
  }
}

/** A scheme or feature the client does not speak: curl's exit code 1. @internal */
export class UnsupportedError extends Data.TaggedError("UnsupportedError")<{ readonly detail: string }> {
  override get message(): string {
    return this.detail
  }
}

/** A local file could not be read (26) or written (23). @internal */
export class FileError extends Data.TaggedError("FileError")<{
  readonly path: string
  readonly operation: "read" | "write"
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `cannot ${this.operation} ${this.path}: ${reason}`
  }
}

/** With `-f`, a response of status 400 or above: curl's exit code 22. @internal */
export class HttpStatusError extends Data.TaggedError("HttpStatusError")<{
  readonly url: string
  readonly status: number
}> {
  override get message(): string {
    return `The requested URL returned error: ${this.status}`
  }
}

/** `-m`/`--max-time` passed: curl's exit code 28. @internal */
export class MaxTimeError extends Data.TaggedError("MaxTimeError")<{ readonly millis: number }> {
  override get message(): string {
    return `Operation timed out after ${this.millis} milliseconds`
  }
}

/** `-L --max-redirs 0` met a redirect: curl's exit code 47. @internal */
export class RedirectLimitError extends Data.TaggedError("RedirectLimitError")<{
  readonly url: string
  readonly max: number
}> {
  override get message(): string {
    return `Maximum (${this.max}) redirects followed for ${this.url}`
  }
}

/** Any failure of `ereq`'s own. @internal */
export type CliError =
  UsageError | UrlError | UnsupportedError | FileError | HttpStatusError | MaxTimeError | RedirectLimitError
