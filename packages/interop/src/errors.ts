/**
 * The one failure of the launchers: a server that could not be set up,
 * started or read, with what it printed when that helps.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * A server could not be configured, started, stopped or read.
 *
 * @since 0.1.0
 */
export class InteropError extends Data.TaggedError("InteropError")<{
  readonly message: string
  readonly cause?: unknown
}> {}
