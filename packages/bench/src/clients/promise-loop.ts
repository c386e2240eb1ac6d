import type { RunPlan } from "./types.js"

/**
 * Runs `plan.concurrency` workers that each issue one request at a time until the plan says stop, as an
 * application would with `Promise.all` over a bounded set of workers.
 */
export const promiseLoop =
  (request: () => Promise<void>) =>
  async (plan: RunPlan): Promise<void> => {
    const worker = async (): Promise<void> => {
      while (plan.next()) {
        const started = process.hrtime.bigint()
        await request()
        plan.record(Number(process.hrtime.bigint() - started))
      }
    }
    await Promise.all(Array.from({ length: plan.concurrency }, worker))
  }
