/**
 * Typed failures of response decompression. They reach the caller as the
 * `cause` of the `ResponseError` (reason `Decode`) that the body's `stream`,
 * `text`, `json` or `arrayBuffer` fails with.
 */
import * as Data from "effect/Data"

/**
 * The body did not decode under its declared coding: corrupt or truncated
 * data, or a coding the server did not actually apply.
 *
 * @since 0.1.0
 */
export class DecompressionError extends Data.TaggedError("DecompressionError")<{
  /** The URL of the request that received the response. */
  readonly url: string
  /** The coding that failed to decode, e.g. `gzip`. */
  readonly encoding: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `cannot decode the ${this.encoding} body of ${this.url}`
  }
}

/**
 * Decoding stopped because the decoded body grew past a limit: past
 * `maxBodySize`, or more than `maxRatio` times the bytes received once past
 * `ratioThreshold`, as a decompression bomb does.
 *
 * @since 0.1.0
 */
export class DecompressionLimitError extends Data.TaggedError("DecompressionLimitError")<{
  readonly url: string
  /** Which limit was passed. */
  readonly limit: "maxBodySize" | "maxRatio"
  /** Bytes received when decoding stopped. */
  readonly encodedBytes: number
  /** Bytes decoded when decoding stopped. */
  readonly decodedBytes: number
  readonly maxBodySize: number
  readonly maxRatio: number
}> {
  override get message(): string {
    return this.limit === "maxBodySize"
      ? `the decoded body of ${this.url} exceeds ${this.maxBodySize} bytes`
      : `the body of ${this.url} decodes to over ${this.maxRatio} times its ${this.encodedBytes} bytes`
  }
}
