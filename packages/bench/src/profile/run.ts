/**
 * CPU profile of one client over one scenario's first variant: the client is warmed up, then V8's sampling
 * profiler runs over the measured phase only, so that neither start-up nor the JIT's warm-up shows.
 *
 *   npm run profile -- --client effect-requests-http1-per-request [--scenario h1-drivers-get-1k]
 *     [--seconds 10] [--interval-us 500] [--server auto|nginx|node] [--out results/tmp/profile]
 *
 * Sampling costs CPU of its own: every 100 µs it doubles this client's CPU per request, every 500 µs (the
 * default) it adds 10 to 30%, so shares within one profile mean more than its absolute figures.
 * Writes `<client>.cpuprofile` (for Chrome DevTools or speedscope) and `<client>.md` (self and total time
 * per group, file and function, also in µs per request), and prints the Markdown.
 */
import { mkdir, writeFile } from "node:fs/promises"
import { Session } from "node:inspector/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { clients, isClientId } from "../clients/registry.js"
import type { ClientId } from "../clients/registry.js"
import { compiledLauncher } from "../harness/fork.js"
import { errorMessage } from "../harness/messages.js"
import { expectedAt, phase } from "../harness/plan.js"
import { targetFor } from "../harness/target.js"
import { scenarios } from "../scenarios.js"
import { startServer } from "../servers/start.js"
import type { ServerChoice } from "../servers/start.js"
import { summarize, summaryMarkdown } from "./summary.js"

interface ProfileOptions {
  readonly client: ClientId
  readonly scenario: string
  readonly seconds: number
  readonly intervalUs: number
  readonly server: ServerChoice
  readonly outDir: string
}

const usage =
  "usage: node dist/profile/run.js --client id [--scenario id] [--seconds N] [--interval-us N] " +
  "[--server auto|nginx|node] [--out dir]"

const positive = (value: string, flag: string): number => {
  const number = Number(value)
  if (!Number.isFinite(number) || number <= 0) throw new Error(`${flag} must be a positive number\n${usage}`)
  return number
}

const parse = (argv: ReadonlyArray<string>): ProfileOptions => {
  const given = new Map<string, string>()
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index]
    const value = argv[index + 1]
    if (flag === undefined || !flag.startsWith("--") || value === undefined) throw new Error(usage)
    given.set(flag.slice(2), value)
  }
  const client = given.get("client") ?? ""
  if (!isClientId(client)) throw new Error(`unknown client "${client}"\n${usage}`)
  const server = given.get("server") ?? "auto"
  if (server !== "auto" && server !== "nginx" && server !== "node") throw new Error(usage)
  return {
    client,
    scenario: given.get("scenario") ?? "h1-drivers-get-1k",
    seconds: positive(given.get("seconds") ?? "10", "--seconds"),
    intervalUs: positive(given.get("interval-us") ?? "500", "--interval-us"),
    server,
    outDir: given.get("out") ?? fileURLToPath(new URL("../../results/tmp/profile", import.meta.url))
  }
}

const main = async (): Promise<void> => {
  const options = parse(process.argv.slice(2))
  const scenario = scenarios.find((entry) => entry.id === options.scenario)
  const variant = scenario?.variants[0]
  if (scenario === undefined || variant === undefined) throw new Error(`unknown scenario ${options.scenario}`)
  if (scenario.shape !== "steady") throw new Error(`${scenario.id}: only steady scenarios are profiled`)
  const { server } = await startServer(options.server, compiledLauncher)
  try {
    const target = targetFor(server, scenario, variant)
    const driver = await (await clients[options.client].load()).start(target)
    const warmup = phase(target.concurrency, { minRequests: 20_000, minMs: 3_000 })
    const warmupStarted = process.hrtime.bigint()
    await driver.run(warmup.plan)
    const warmupSeconds = Number(process.hrtime.bigint() - warmupStarted) / 1e9
    warmup.dispose()
    const budget = { minRequests: 0, minMs: options.seconds * 1000 }
    const expected = expectedAt(warmup.completed() / warmupSeconds, budget)
    const session = new Session()
    session.connect()
    await session.post("Profiler.enable")
    await session.post("Profiler.setSamplingInterval", { interval: options.intervalUs })
    await session.post("Profiler.start")
    const cpuBefore = process.cpuUsage()
    const measured = phase(target.concurrency, budget, undefined, expected)
    await driver.run(measured.plan)
    measured.dispose()
    const cpu = process.cpuUsage(cpuBefore)
    const { profile } = await session.post("Profiler.stop")
    session.disconnect()
    await driver.close()
    const requests = measured.completed()
    const text = [
      `# CPU profile: ${clients[options.client].label}, ${scenario.title}, ${variant.concurrency} concurrent`,
      "",
      `${server.description}; ${options.seconds} s measured after ${warmup.completed()} warm-up requests; ` +
        `sampling every ${options.intervalUs} µs. Process CPU (profiler included): ` +
        `${((cpu.user + cpu.system) / requests).toFixed(1)} µs/req.`,
      "",
      summaryMarkdown(summarize(profile), requests)
    ].join("\n")
    await mkdir(options.outDir, { recursive: true })
    await writeFile(join(options.outDir, `${options.client}.cpuprofile`), JSON.stringify(profile))
    await writeFile(join(options.outDir, `${options.client}.md`), `${text}\n`)
    process.stdout.write(`${text}\n`)
  } finally {
    await server.stop()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${errorMessage(error)}\n`)
  process.exitCode = 1
})
