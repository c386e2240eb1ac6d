import type { ScenarioResult } from "../harness/runner.js"
import type { Mode } from "../scenarios.js"
import type { ServerKind } from "../servers/types.js"
import type { Environment } from "./environment.js"

export interface BenchReport {
  readonly environment: Environment
  readonly mode: Mode
  readonly rounds: number
  /** How the measured processes were built and started. */
  readonly build: { readonly launcher: "compiled" | "source"; readonly note: string }
  readonly server: {
    readonly kind: ServerKind
    readonly description: string
    readonly note: string | undefined
  }
  /** 1, 5 and 15 minute load averages: a busy machine at the start explains a noisy run. */
  readonly loadAverage: { readonly before: ReadonlyArray<number>; readonly after: ReadonlyArray<number> }
  readonly durationSeconds: number
  /** `scenario variant` pairs this run left out (quick mode runs a subset). */
  readonly skipped: ReadonlyArray<string>
  readonly scenarios: ReadonlyArray<ScenarioResult>
}
