/**
 * Entry point of a client process. It imports nothing heavy up front: the adapter is loaded on demand so
 * that memory and start-up cost belong to the client being measured.
 */
import { clients } from "../clients/registry.js"
import type { ClientDriver } from "../clients/types.js"
import { describeError, isRunMessage } from "./messages.js"
import { LatencyLog, percentile, phase } from "./plan.js"
import type { ChildReply, FailurePhase, RunMessage } from "./messages.js"

class PhaseError extends Error {
  constructor(
    readonly phase: FailurePhase,
    error: unknown
  ) {
    super(describeError(error), { cause: error })
  }
}

const inPhase = async <A>(phase: FailurePhase, action: () => Promise<A>): Promise<A> => {
  try {
    return await action()
  } catch (error) {
    throw new PhaseError(phase, error)
  }
}

const measure = async (driver: ClientDriver, message: RunMessage): Promise<ChildReply> => {
  const { concurrency } = message.target
  const warmup = phase(concurrency, message.warmup)
  await inPhase("warmup", () => driver.run(warmup.plan))
  warmup.dispose()
  const latencies = new LatencyLog()
  const measured = phase(concurrency, message.measure, latencies)
  const cpuBefore = process.cpuUsage()
  const started = process.hrtime.bigint()
  await inPhase("run", () => driver.run(measured.plan))
  const elapsedNs = Number(process.hrtime.bigint() - started)
  const cpu = process.cpuUsage(cpuBefore)
  measured.dispose()
  await inPhase("close", () => driver.close())
  const sorted = latencies.sorted()
  return {
    type: "result",
    measurement: {
      warmupRequests: warmup.completed(),
      requests: measured.completed(),
      elapsedNs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      p50Us: percentile(sorted, 0.5) / 1000,
      p99Us: percentile(sorted, 0.99) / 1000,
      maxRssKiB: process.resourceUsage().maxRSS
    }
  }
}

const handle = async (message: RunMessage): Promise<ChildReply> => {
  try {
    const adapter = await inPhase("load", () => clients[message.client].load())
    const driver = await inPhase("start", () => adapter.start(message.target))
    return await measure(driver, message)
  } catch (error) {
    return error instanceof PhaseError
      ? { type: "failed", phase: error.phase, reason: error.message }
      : { type: "failed", phase: "run", reason: describeError(error) }
  }
}

const reply = (message: ChildReply): void => {
  // Exiting explicitly: a client that leaves a socket or timer behind must not hold up the next round.
  process.send?.(message, () => process.exit(message.type === "result" ? 0 : 1))
}

process.once("message", (message: unknown) => {
  if (!isRunMessage(message)) {
    reply({ type: "failed", phase: "load", reason: `malformed run message: ${JSON.stringify(message)}` })
    return
  }
  void handle(message).then(reply)
})
