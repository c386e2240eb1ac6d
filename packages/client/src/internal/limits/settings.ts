/**
 * Per-request overrides of the client's limits and deadlines, carried in
 * FiberRefs so that code written against the plain `HttpClient` can set
 * them around any effect.
 *
 * @internal
 */
import * as FiberRef from "effect/FiberRef"
import * as GlobalValue from "effect/GlobalValue"

/** Default of `maxBodySize`: 64 MiB. @internal */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024

/** `maxBodySize` for responses read in this fiber; `undefined` leaves the layer's. @internal */
export const currentMaxBodySize: FiberRef.FiberRef<number | undefined> = GlobalValue.globalValue(
  Symbol.for("@effect-requests/client/currentMaxBodySize"),
  () => FiberRef.unsafeMake<number | undefined>(undefined)
)

/** Whole-request deadline in ms for requests made in this fiber; `undefined` for none. @internal */
export const currentTimeout: FiberRef.FiberRef<number | undefined> = GlobalValue.globalValue(
  Symbol.for("@effect-requests/client/currentTimeout"),
  () => FiberRef.unsafeMake<number | undefined>(undefined)
)

/** What the layer sets for every response: its `maxBodySize` and `timeout` in ms. @internal */
export interface ResponseLimits {
  readonly maxBodySize: number
  readonly timeout: number | undefined
}

/** No limit at all, for clients built without the layer's options. @internal */
export const noLimits: ResponseLimits = { maxBodySize: Number.POSITIVE_INFINITY, timeout: undefined }
