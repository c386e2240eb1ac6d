import type { RunPlan } from "./types.js"

/**
 * Runs `plan.concurrency` workers that each issue one request at a time until the plan says stop.
 * The worker index lets a client bind a worker to a connection (the raw-socket floor does).
 */
export const promiseLoop =
  (request: (worker: number) => Promise<void>) =>
  async (plan: RunPlan): Promise<void> => {
    const worker = async (index: number): Promise<void> => {
      while (plan.next()) {
        const started = process.hrtime.bigint()
        await request(index)
        plan.record(Number(process.hrtime.bigint() - started))
      }
    }
    await Promise.all(Array.from({ length: plan.concurrency }, (_, index) => worker(index)))
  }
