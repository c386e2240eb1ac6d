import { isClientId } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import type { Origin, PhaseBudget, Target } from "../clients/types.js"
import type { Shape } from "../scenarios.js"

/** Parent → client process: the one job a client process does before exiting. */
export interface RunMessage {
  readonly type: "run"
  readonly client: ClientId
  readonly target: Target
  readonly shape: Shape
  readonly warmup: PhaseBudget
  readonly measure: PhaseBudget
}

/** What a client process measures about itself over the measured requests (warm-up excluded). */
export interface ChildMeasurement {
  /** Client instances the process built, warm-up included: 1, or one per iteration with a fresh client each. */
  readonly clients: number
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

const isOrigin = (value: unknown): value is Origin =>
  isRecord(value) &&
  typeof value.origin === "string" &&
  typeof value.host === "string" &&
  isNumber(value.port)

const transports: ReadonlyArray<unknown> = ["http", "https", "h2", "h2c", "alpn"] satisfies ReadonlyArray<
  Target["transport"]
>

const isTarget = (value: unknown): value is Target =>
  isRecord(value) &&
  transports.includes(value.transport) &&
  Array.isArray(value.origins) &&
  value.origins.length > 0 &&
  value.origins.every(isOrigin) &&
  typeof value.path === "string" &&
  (value.method === "GET" || value.method === "PUT") &&
  isNumber(value.requestBytes) &&
  isNumber(value.expectedStatus) &&
  isNumber(value.expectedBytes) &&
  isNumber(value.concurrency) &&
  isNumber(value.connections) &&
  isNumber(value.pipelining) &&
  (value.ca === undefined || typeof value.ca === "string")

const isBudget = (value: unknown): value is PhaseBudget =>
  isRecord(value) && isNumber(value.minRequests) && isNumber(value.minMs)

export const isRunMessage = (value: unknown): value is RunMessage =>
  isRecord(value) &&
  value.type === "run" &&
  typeof value.client === "string" &&
  isClientId(value.client) &&
  isTarget(value.target) &&
  (value.shape === "steady" || value.shape === "fresh-client" || value.shape === "burst") &&
  isBudget(value.warmup) &&
  isBudget(value.measure)

const measurementKeys = [
  "clients",
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
