/**
 * What one request asks of decompression instead of the client's options:
 * read when `Accept-Encoding` is added and again when the response comes.
 */
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"

/** A request's decompression settings. */
export interface Override {
  readonly enabled: boolean
  readonly maxBodySize: number | undefined
}

/** Set by `Decompression.disabled` and `Decompression.withMaxBodySize`. */
export const currentOverride = globalValue("@effect-requests/client/Decompression/override", () =>
  FiberRef.unsafeMake<Override>({ enabled: true, maxBodySize: undefined })
)
