/**
 * Entry point of a client process. It imports nothing heavy up front: the adapter is loaded on demand so
 * that memory and start-up cost belong to the client being measured.
 */
import { clients } from "../clients/registry.js"
import type { ClientAdapter, ClientDriver, PhaseBudget, Target } from "../clients/types.js"
import { describeError, isRunMessage } from "./messages.js"
import { LatencyLog, expectedAt, percentile, phase } from "./plan.js"
import type { ChildMeasurement, ChildReply, FailurePhase, RunMessage } from "./messages.js"

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

interface Counts {
  readonly clients: number
  readonly warmupRequests: number
  readonly requests: number
}

/** Times and costs `measured` alone, then fills in the figures every shape reports. */
const timed = async (latencies: LatencyLog, measured: () => Promise<Counts>): Promise<ChildMeasurement> => {
  const cpuBefore = process.cpuUsage()
  const started = process.hrtime.bigint()
  const counts = await measured()
  const elapsedNs = Number(process.hrtime.bigint() - started)
  const cpu = process.cpuUsage(cpuBefore)
  const sorted = latencies.sorted()
  return {
    ...counts,
    elapsedNs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    p50Us: percentile(sorted, 0.5) / 1000,
    p99Us: percentile(sorted, 0.99) / 1000,
    maxRssKiB: process.resourceUsage().maxRSS
  }
}

/** One client for the whole process, warmed up, then measured over a time-bound phase. */
const steady = async (adapter: ClientAdapter, message: RunMessage): Promise<ChildMeasurement> => {
  const { concurrency } = message.target
  const driver = await inPhase("start", () => adapter.start(message.target))
  const warmup = phase(concurrency, message.warmup)
  const warmupStarted = process.hrtime.bigint()
  await inPhase("warmup", () => driver.run(warmup.plan))
  const warmupSeconds = Number(process.hrtime.bigint() - warmupStarted) / 1e9
  warmup.dispose()
  const expected = expectedAt(warmup.completed() / warmupSeconds, message.measure)
  const latencies = new LatencyLog()
  const result = await timed(latencies, async () => {
    const measured = phase(concurrency, message.measure, latencies, expected)
    await inPhase("run", () => driver.run(measured.plan))
    measured.dispose()
    return { clients: 1, warmupRequests: warmup.completed(), requests: measured.completed() }
  })
  await inPhase("close", () => driver.close())
  return result
}

/** Sends `count` requests at once and resolves once the last has completed. */
const burstOn = (driver: ClientDriver, count: number, completed: () => void): Promise<void> => {
  let claimed = 0
  return driver.run({
    concurrency: count,
    expected: count,
    next: () => claimed++ < count,
    record: completed
  })
}

/** The number of iterations a budget counted in requests stands for, each `perIteration` requests. */
const iterationGate = (budget: PhaseBudget, perIteration: number) =>
  phase(1, { minRequests: Math.ceil(budget.minRequests / perIteration), minMs: budget.minMs })

/**
 * A new client per iteration, which sends `concurrency` requests at once and is closed. Each latency runs
 * from just before the client was built, so that connecting and handshakes count; its CPU includes
 * building and closing the client.
 */
const iterations = async (
  adapter: ClientAdapter,
  target: Target,
  budget: PhaseBudget,
  latencies?: LatencyLog
): Promise<{ readonly clients: number; readonly requests: number }> => {
  const gate = iterationGate(budget, target.concurrency)
  let clientsBuilt = 0
  let requests = 0
  while (gate.plan.next()) {
    const began = process.hrtime.bigint()
    const driver = await adapter.start(target)
    clientsBuilt++
    await burstOn(driver, target.concurrency, () => {
      requests++
      latencies?.push(Number(process.hrtime.bigint() - began))
    })
    await driver.close()
  }
  gate.dispose()
  return { clients: clientsBuilt, requests }
}

const freshClients = async (adapter: ClientAdapter, message: RunMessage): Promise<ChildMeasurement> => {
  const warmup = await inPhase("warmup", () => iterations(adapter, message.target, message.warmup))
  const latencies = new LatencyLog()
  return timed(latencies, async () => {
    const measured = await inPhase("run", () =>
      iterations(adapter, message.target, message.measure, latencies)
    )
    return {
      clients: warmup.clients + measured.clients,
      warmupRequests: warmup.requests,
      requests: measured.requests
    }
  })
}

/** Bursts of `perBurst` requests on one client, one after the other; each latency is a whole burst's. */
const bursts = async (
  driver: ClientDriver,
  perBurst: number,
  budget: PhaseBudget,
  latencies?: LatencyLog
): Promise<number> => {
  const gate = iterationGate(budget, perBurst)
  let requests = 0
  while (gate.plan.next()) {
    const began = process.hrtime.bigint()
    await burstOn(driver, perBurst, () => requests++)
    latencies?.push(Number(process.hrtime.bigint() - began))
  }
  gate.dispose()
  return requests
}

/** One client for the process, as `steady`, but driven in bursts of `concurrency` requests at once. */
const burstsOnOneClient = async (adapter: ClientAdapter, message: RunMessage): Promise<ChildMeasurement> => {
  const { concurrency } = message.target
  const driver = await inPhase("start", () => adapter.start(message.target))
  const warmupRequests = await inPhase("warmup", () => bursts(driver, concurrency, message.warmup))
  const latencies = new LatencyLog()
  const result = await timed(latencies, async () => {
    const requests = await inPhase("run", () => bursts(driver, concurrency, message.measure, latencies))
    return { clients: 1, warmupRequests, requests }
  })
  await inPhase("close", () => driver.close())
  return result
}

const shapes: Record<
  RunMessage["shape"],
  (adapter: ClientAdapter, message: RunMessage) => Promise<ChildMeasurement>
> = { steady, "fresh-client": freshClients, burst: burstsOnOneClient }

const handle = async (message: RunMessage): Promise<ChildReply> => {
  try {
    const adapter = await inPhase("load", () => clients[message.client].load())
    const measurement = await shapes[message.shape](adapter, message)
    return { type: "result", measurement }
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
