/**
 * The cold-start scenario: whole processes timed with hyperfine against the bench's loopback server,
 * each making one GET of 1 KiB (curl, node fetch, undici, effect-requests as a program and bundled,
 * `ereq`), or only loading modules; then CPU profiles of start-up.
 *
 *   npm run cold-start -- [--runs 10] [--warmup 2] [--server auto|nginx|node] [--out dir] [--no-profile]
 *
 * Writes `cold-start.md` and `cold-start.json` to `results/` (or `--out`), and the report to stdout.
 */
import { execFile } from "node:child_process"
import { mkdir, mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { prepareLauncher } from "../harness/build.js"
import { errorMessage } from "../harness/messages.js"
import { environment } from "../report/environment.js"
import { resources } from "../servers/resources.js"
import { startServer, type ServerChoice } from "../servers/start.js"
import { writeBundles } from "./bundles.js"
import { findExecutable, hyperfine } from "./hyperfine.js"
import { profileMarkdown, profileProcess } from "./profile.js"
import { type Row, rows as allRows, targets } from "./rows.js"
import { type ColdStartReport, reportMarkdown } from "./table.js"

const log = (line: string): void => void process.stderr.write(`${line}\n`)

interface Options {
  readonly runs: number
  readonly warmup: number
  readonly server: ServerChoice
  readonly out: string
  readonly profile: boolean
}

const usage =
  "usage: node dist/cold-start/run.js [--runs N] [--warmup N] [--server auto|nginx|node] [--out dir] [--no-profile]"

const parse = (argv: ReadonlyArray<string>): Options => {
  const options = {
    runs: 10,
    warmup: 2,
    server: "auto" as ServerChoice,
    out: fileURLToPath(new URL("../../results", import.meta.url)),
    profile: true
  }
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]
    const value = argv[index + 1] ?? ""
    if (flag === "--no-profile") options.profile = false
    else if (flag === "--runs" || flag === "--warmup") {
      const n = Number(value)
      if (!Number.isInteger(n) || n < (flag === "--runs" ? 2 : 0))
        throw new Error(`${flag} ${value}\n${usage}`)
      options[flag === "--runs" ? "runs" : "warmup"] = n
      index++
    } else if (flag === "--server" && (value === "auto" || value === "nginx" || value === "node")) {
      options.server = value
      index++
    } else if (flag === "--out" && value !== "") {
      options.out = value
      index++
    } else throw new Error(`unknown argument ${flag}\n${usage}`)
  }
  return options
}

const run = (argv: ReadonlyArray<string>): Promise<void> => {
  const [file, ...args] = argv
  return new Promise((resolve, reject) =>
    execFile(file ?? "", args, { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error === null ? resolve() : reject(new Error(`${argv.join(" ")}: ${errorMessage(error)} ${stderr}`))
    )
  )
}

const cliBundleScript = fileURLToPath(new URL("../../../cli/scripts/bundle.mjs", import.meta.url))

const main = async (): Promise<void> => {
  const options = parse(process.argv.slice(2))
  const hyperfinePath = findExecutable("hyperfine")
  if (hyperfinePath === undefined)
    throw new Error("hyperfine is not installed (Debian: apt-get install hyperfine)")
  log("building: tsc -b, the ereq bundle, the bundled programs")
  const build = await prepareLauncher()
  await run([process.execPath, cliBundleScript])
  await writeBundles()
  const started = await startServer(options.server, build.launcher)
  const server = started.server
  try {
    const url = `http://${server.host}:${server.listeners.http[0] ?? 0}${resources["1k"].path}`
    const bytes = resources["1k"].bytes
    const rows: ReadonlyArray<Row> = allRows(findExecutable("curl"))
    log(`server: ${server.description}; ${url}`)
    // A command that fails would make hyperfine stop; each is run once first, to say which.
    for (const row of rows) await run(row.argv(url, bytes))
    const timings = await hyperfine({
      hyperfine: hyperfinePath,
      warmup: options.warmup,
      runs: options.runs,
      json: join(await mkdtemp(join(tmpdir(), "cold-start-")), "hyperfine.json"),
      commands: rows.map((row) => ({ name: row.id, argv: row.argv(url, bytes) }))
    })
    const profiled = options.profile
      ? rows.filter((row) => row.id === "effect-requests" || row.id === "ereq")
      : []
    const profiles = []
    for (const row of profiled) {
      profiles.push({
        title: row.label,
        markdown: profileMarkdown(await profileProcess(row.argv(url, bytes)))
      })
    }
    const env = environment()
    const report: ColdStartReport = {
      date: env.date,
      machine: `${env.machine.cpu} (${env.machine.cores} cores, ${env.machine.os}), Node ${env.machine.node}`,
      server: server.description,
      warmup: options.warmup,
      runs: options.runs,
      rows,
      timings,
      targets,
      profiles
    }
    const markdown = reportMarkdown(report)
    await mkdir(options.out, { recursive: true })
    await writeFile(join(options.out, "cold-start.md"), `${markdown}\n`)
    await writeFile(
      join(options.out, "cold-start.json"),
      `${JSON.stringify({ ...report, rows: rows.map(({ id, label, kind }) => ({ id, label, kind })) }, null, 2)}\n`
    )
    process.stdout.write(`${markdown}\n`)
  } finally {
    await server.stop()
  }
}

main().catch((error: unknown) => {
  log(`cold-start failed: ${errorMessage(error)}`)
  process.exitCode = 1
})
