import { loadavg } from "node:os"
import { prepareLauncher } from "./harness/build.js"
import { errorMessage } from "./harness/messages.js"
import { parseOptions } from "./harness/options.js"
import { runScenario } from "./harness/runner.js"
import type { ScenarioResult } from "./harness/runner.js"
import { environment } from "./report/environment.js"
import { markdown } from "./report/markdown.js"
import type { BenchReport } from "./report/types.js"
import { writeReport } from "./report/write.js"
import { startConnectProxy } from "./servers/connect-proxy.js"
import { startServer } from "./servers/start.js"

// Progress goes to stderr so that stdout carries only the report.
const log = (line: string): void => void process.stderr.write(`${line}\n`)

const main = async (): Promise<void> => {
  const options = parseOptions(process.argv.slice(2))
  const started = process.hrtime.bigint()
  if (options.skipped.length > 0) log(`skipped (${options.mode} mode): ${options.skipped.join(", ")}`)
  log("building with tsc -b")
  const build = await prepareLauncher()
  log(`client processes: ${build.note}`)
  const loadBefore = loadavg()
  const startedServer = await startServer(options.server, build.launcher, options.serverNetns)
  const proxy = options.planned.some(({ scenario }) => scenario.proxied === true)
    ? await startConnectProxy()
    : undefined
  const note = startedServer.note
  const server = proxy === undefined ? startedServer.server : { ...startedServer.server, proxy: proxy.url }
  log(`server: ${server.description} on ${server.host}${note === undefined ? "" : ` (${note})`}`)
  const results: Array<ScenarioResult> = []
  try {
    for (const { scenario, variants } of options.planned) {
      results.push(
        await runScenario(server, scenario, variants, {
          mode: options.mode,
          rounds: options.rounds,
          clients: options.clients,
          launcher: build.launcher,
          log
        })
      )
    }
  } finally {
    await proxy?.stop()
    await server.stop()
  }
  const report: BenchReport = {
    environment: environment(),
    mode: options.mode,
    rounds: options.rounds,
    build: { launcher: build.launcher.kind, note: build.note },
    server: { kind: server.kind, description: server.description, note },
    loadAverage: { before: loadBefore, after: loadavg() },
    durationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    skipped: options.skipped,
    scenarios: results
  }
  const written = await writeReport(report, options.outDir)
  process.stdout.write(markdown(report))
  log(`wrote ${written.join(", ")}`)
}

main().catch((error: unknown) => {
  log(`bench failed: ${errorMessage(error)}`)
  process.exitCode = 1
})
