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

/** Deadlines of one request that replace its pool's: `undefined` leaves the pool's. @internal */
export interface StallOverride {
  /** `headersTimeout` in ms. */
  readonly headersTimeout: number | undefined
  /** `bodyTimeout` in ms. */
  readonly bodyTimeout: number | undefined
}

/**
 * The deadlines set around requests made in this fiber (`Timeouts`), in ms,
 * in one FiberRef so that a request reads them with one lookup.
 *
 * @internal
 */
export interface RequestDeadlines extends StallOverride {
  /** Whole-request deadline; `undefined` leaves the layer's `timeout`. */
  readonly timeout: number | undefined
}

/** No deadline set: every request takes the layer's and the pools'. @internal */
export const noDeadlines: RequestDeadlines = {
  timeout: undefined,
  headersTimeout: undefined,
  bodyTimeout: undefined
}

/** Deadlines for requests made in this fiber. @internal */
export const currentDeadlines: FiberRef.FiberRef<RequestDeadlines> = GlobalValue.globalValue(
  Symbol.for("@effect-requests/client/currentDeadlines"),
  () => FiberRef.unsafeMake<RequestDeadlines>(noDeadlines)
)

/** The per-request `headersTimeout` and `bodyTimeout` of `deadlines`, if it sets either. @internal */
export const stallOverrideOf = (deadlines: RequestDeadlines): StallOverride | undefined =>
  deadlines.headersTimeout === undefined && deadlines.bodyTimeout === undefined ? undefined : deadlines

/** What the layer sets for every response: its `maxBodySize` and `timeout` in ms. @internal */
export interface ResponseLimits {
  readonly maxBodySize: number
  readonly timeout: number | undefined
}

/** No limit at all, for clients built without the layer's options. @internal */
export const noLimits: ResponseLimits = { maxBodySize: Number.POSITIVE_INFINITY, timeout: undefined }
