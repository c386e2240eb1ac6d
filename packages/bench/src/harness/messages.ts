import { isClientId } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import type { PhaseBudget, Target } from "../clients/types.js"

/** Parent → client process: the one job a client process does before exiting. */
export interface RunMessage {
  readonly type: "run"
  readonly client: ClientId
  readonly target: Target
  readonly warmup: PhaseBudget
  readonly measure: PhaseBudget
}

/** What a client process measures about itself over the measured requests (warm-up excluded). */
export interface ChildMeasurement {
  readonly warmupRequests: number
  readonly requests: number
  readonly elapsedNs: number
  readonly cpuUserUs: number
  readonly cpuSystemUs: number
  readonly p50Us: number
  readonly p99Us: number
  /** Peak resident set over the process's whole life, so it includes warm-up and start. */
  readonly maxRssKiB: number
}

export type FailurePhase = "load" | "start" | "warmup" | "run" | "close"

export type ChildReply =
  | { readonly type: "result"; readonly measurement: ChildMeasurement }
  | { readonly type: "failed"; readonly phase: FailurePhase; readonly reason: string }

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)

const isTarget = (value: unknown): value is Target =>
  isRecord(value) &&
  typeof value.url === "string" &&
  typeof value.host === "string" &&
  typeof value.path === "string" &&
  isNumber(value.port) &&
  isNumber(value.expectedBytes) &&
  isNumber(value.concurrency)

const isBudget = (value: unknown): value is PhaseBudget =>
  isRecord(value) && isNumber(value.minRequests) && isNumber(value.minMs)

export const isRunMessage = (value: unknown): value is RunMessage =>
  isRecord(value) &&
  value.type === "run" &&
  typeof value.client === "string" &&
  isClientId(value.client) &&
  isTarget(value.target) &&
  isBudget(value.warmup) &&
  isBudget(value.measure)

const measurementKeys = [
  "warmupRequests",
  "requests",
  "elapsedNs",
  "cpuUserUs",
  "cpuSystemUs",
  "p50Us",
  "p99Us",
  "maxRssKiB"
] as const satisfies ReadonlyArray<keyof ChildMeasurement>

const isMeasurement = (value: unknown): value is ChildMeasurement =>
  isRecord(value) && measurementKeys.every((key) => isNumber(value[key]))

export const isChildReply = (value: unknown): value is ChildReply =>
  isRecord(value) &&
  ((value.type === "result" && isMeasurement(value.measurement)) ||
    (value.type === "failed" && typeof value.phase === "string" && typeof value.reason === "string"))

export const describeError = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)
