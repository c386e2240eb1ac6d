/**
 * Transparent decompression of response bodies, as a combinator on any
 * `HttpClient`.
 *
 * @example
 * ```ts
 * const client = (yield* HttpClient.HttpClient).pipe(Decompression.decompression({ maxBodySize: 64 * 1024 * 1024 }))
 * const text = yield* Effect.flatMap(client.get(url), (response) => response.text)
 * // One request, raw bytes:
 * const raw = yield* Decompression.disabled(client.get(url))
 * ```
 *
 * @since 0.1.0
 */
export {
  /**
   * Asks for and decodes compressed bodies. Defaults: `maxBodySize` none,
   * `maxRatio` 100 past `ratioThreshold` 1 MiB.
   *
   * @since 0.1.0
   */
  decompression,
  /**
   * Runs an effect with its requests neither asking for nor decoding compressed bodies.
   *
   * @since 0.1.0
   */
  disabled,
  /**
   * Runs an effect with its decoded bodies limited to a number of bytes.
   *
   * @since 0.1.0
   */
  withMaxBodySize,
  /**
   * Options of {@link decompression}.
   *
   * @since 0.1.0
   */
  type Options
} from "./internal/batteries/decompression.js"

export {
  /**
   * A body that does not decode under its declared coding.
   *
   * @since 0.1.0
   */
  DecompressionError,
  /**
   * A decoded body past `maxBodySize` or `maxRatio`.
   *
   * @since 0.1.0
   */
  DecompressionLimitError
} from "./internal/batteries/decompression-errors.js"

export {
  /**
   * The `Accept-Encoding` sent: `gzip, deflate, br`, plus `zstd` where the runtime decodes it.
   *
   * @since 0.1.0
   */
  acceptEncoding
} from "./internal/batteries/decoders.js"

export type {
  /** @since 0.1.0 */
  Decompressed,
  /** @since 0.1.0 */
  BatteryEvent,
  /** @since 0.1.0 */
  Listener
} from "./internal/batteries/events.js"
