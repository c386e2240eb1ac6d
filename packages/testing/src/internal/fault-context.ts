/**
 * What the HTTP/1.1 and HTTP/2 sides of `FaultServer` share: the plan that
 * decides faults, the ledger that records outcomes, the timers and the
 * answer to give.
 *
 * @internal
 */
import type { FaultRequest, FaultResponse } from "./fault-types.js"
import type { FaultLedger } from "./fault-ledger.js"
import type { FaultPlan } from "./fault-plan.js"
import type { FaultTimers } from "./fault-timers.js"

/** @internal */
export interface FaultContext {
  readonly plan: FaultPlan
  readonly ledger: FaultLedger
  readonly timers: FaultTimers
  readonly answer: (request: FaultRequest) => FaultResponse
}

/** The `x-request-id` of a request, when it carries exactly one. @internal */
export const requestIdOf = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : undefined

/** Interim responses an `interimFlood` sends before its answer. @internal */
export const INTERIM_FLOOD = 64
