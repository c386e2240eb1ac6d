import type { PhaseBudget, RunPlan } from "../clients/types.js"

/** Latencies in growable chunks: a time-bound phase cannot know its request count in advance. */
export class LatencyLog {
  private readonly full: Array<Float64Array> = []
  private current = new Float64Array(16_384)
  private used = 0

  push(latencyNs: number): void {
    if (this.used === this.current.length) {
      this.full.push(this.current)
      this.current = new Float64Array(this.current.length)
      this.used = 0
    }
    this.current[this.used++] = latencyNs
  }

  sorted(): Float64Array {
    const all = new Float64Array(this.full.reduce((total, chunk) => total + chunk.length, this.used))
    let offset = 0
    for (const chunk of this.full) {
      all.set(chunk, offset)
      offset += chunk.length
    }
    all.set(this.current.subarray(0, this.used), offset)
    return all.sort()
  }
}

export interface Phase {
  readonly plan: RunPlan
  readonly completed: () => number
  readonly dispose: () => void
}

/**
 * A phase ends once it has both claimed `minRequests` and lasted `minMs`. The clock is a timer flag rather
 * than a clock read per request, so stopping costs the loop nothing. `expected` is the plan's hint of how
 * many requests that will be (never below `minRequests`).
 */
export const phase = (
  concurrency: number,
  budget: PhaseBudget,
  log?: LatencyLog,
  expected = budget.minRequests
): Phase => {
  let claimed = 0
  let completed = 0
  let timeUp = budget.minMs <= 0
  const timer = timeUp ? undefined : setTimeout(() => (timeUp = true), budget.minMs)
  return {
    plan: {
      concurrency,
      expected: Math.max(1, Math.ceil(expected), budget.minRequests),
      next: () => {
        if (timeUp && claimed >= budget.minRequests) return false
        claimed++
        return true
      },
      record: (latencyNs) => {
        completed++
        log?.push(latencyNs)
      }
    },
    completed: () => completed,
    dispose: () => clearTimeout(timer)
  }
}

/**
 * Requests a phase of `budget` should take at `perSecond`, a quarter more so that a list drawn up front
 * rather covers the time than falls short of it.
 */
export const expectedAt = (perSecond: number, budget: PhaseBudget): number =>
  Math.max(budget.minRequests, Math.ceil(1.25 * perSecond * (budget.minMs / 1000)))

/** Nearest-rank percentile of a sorted array. */
export const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN
