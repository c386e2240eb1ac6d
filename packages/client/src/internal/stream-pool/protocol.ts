/**
 * What both ends agree on: how a pooled stream is opened and named.
 *
 * A stream is an RFC 8441 extended CONNECT with `:protocol` set to
 * {@link PROTOCOL} when the server announced SETTINGS_ENABLE_CONNECT_PROTOCOL,
 * and a POST with a body that never ends on its own otherwise. Either way the
 * server answers 200 with the stream's ID in {@link ID_HEADER}, and both
 * directions then carry the caller's bytes.
 *
 * @internal
 */

/** The `:protocol` of an extended CONNECT. @internal */
export const PROTOCOL = "stream-pool"

/** The `:path` of both forms. @internal */
export const PATH = "/.well-known/stream-pool"

/** The response header naming the stream. @internal */
export const ID_HEADER = "stream-pool-id"

/** Flow-control windows one end announces. @internal */
export interface Windows {
  /** SETTINGS_INITIAL_WINDOW_SIZE: what one stream may have in flight to us. */
  readonly stream: number
  /** The connection's window: what all streams together may have in flight to us. */
  readonly connection: number
}
