/**
 * `ereq` from parsed flags to an exit code: the client built as the flags
 * say, each URL's transfer run (in parallel with `-Z`), failures reported as
 * curl reports them.
 *
 * @internal
 */
import { basename } from "node:path"
import { Requests } from "@effect-requests/client"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { layerOptions, loadJar, millis, saveJar, withBatteries } from "./client-options.js"
import { FileError, MaxTimeError, UnsupportedError, UsageError } from "./errors.js"
import { outcomeOf } from "./exit-codes.js"
import type { Flags } from "./flags.js"
import { normalizeUrl, parsePositionals } from "./items.js"
import { makeSpec } from "./request.js"
import { type Io, type Job, transfer } from "./transfer.js"
import { type Sink, summary } from "./verbose.js"
import { type Facts, format } from "./write-out.js"

const remoteName = (url: URL): string => {
  const name = basename(url.pathname)
  if (name === "" || name === "/")
    throw new FileError({ path: url.href, operation: "write", cause: new Error("the URL has no file name") })
  return name
}

/** The jobs of the command line; throws what stops `ereq` before sending. */
const plan = (flags: Flags) => {
  if (flags.http11 && (flags.http2 || flags.http2PriorKnowledge)) {
    throw new UsageError({ detail: "--http1.1 and --http2 exclude each other" })
  }
  const positionals = parsePositionals(flags.args)
  const upload = Option.getOrUndefined(flags.uploadFile)
  // -T: a URL that ends in a slash gets the file's name, as curl does.
  const urls = positionals.urls
    .map(normalizeUrl)
    .map((url) =>
      upload !== undefined && upload !== "-" && url.pathname.endsWith("/")
        ? new URL(encodeURIComponent(basename(upload)), url)
        : url
    )
  for (const url of urls) {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UnsupportedError({ detail: `protocol "${url.protocol.slice(0, -1)}" not supported` })
    }
  }
  const spec = makeSpec(flags, positionals.method, positionals.items)
  const parallel = flags.parallel && urls.length > 1
  const jobs: Array<Job> = urls.map((url, i) => ({
    url,
    spec,
    file: flags.output[i] ?? (flags.remoteName ? remoteName(url) : undefined),
    fail: flags.fail,
    includeHeaders: flags.include || flags.head,
    noRedirects: flags.location && Option.getOrUndefined(flags.maxRedirs) === 0,
    buffered: parallel
  }))
  return { jobs, urls, parallel }
}

/** `-m`: the whole transfer, body included, within the deadline. */
const withMaxTime = <A, E, R>(run: Effect.Effect<A, E, R>, flags: Flags) => {
  const maxTime = millis(flags.maxTime)
  return Option.isNone(maxTime)
    ? run
    : Effect.timeoutFail(run, {
        duration: maxTime.value,
        onTimeout: () => new MaxTimeError({ millis: Duration.toMillis(maxTime.value) })
      })
}

const writeOut = (flags: Flags, stdout: NodeJS.WriteStream, facts: Facts) => {
  const template = Option.getOrUndefined(flags.writeOut)
  return template === undefined ? Effect.void : Effect.sync(() => void stdout.write(format(template, facts)))
}

const report = (flags: Flags, io: Pick<Io, "stderr">, error: unknown): number => {
  const outcome = outcomeOf(error)
  if (!flags.silent || flags.showError) io.stderr.write(`ereq: (${outcome.code}) ${outcome.message}\n`)
  return outcome.code
}

/**
 * Runs the command line and returns curl's exit code for it: that of the
 * first URL that failed, 0 when every transfer succeeded.
 *
 * @internal
 */
export const main = (
  flags: Flags,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream
): Effect.Effect<number> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = () => Number(clock.unsafeCurrentTimeNanos()) / 1e6
    const start = now()
    const sink: Sink | undefined = flags.verbose
      ? { write: (line) => stderr.write(line), now, start }
      : undefined
    const protocols = new Map<string, string>()
    const planned = yield* Effect.try({ try: () => plan(flags), catch: (error) => error })
    const options = yield* Effect.try({
      try: () => layerOptions(flags, sink, protocols),
      catch: (error) => error
    })
    const io: Io = {
      stdout,
      stderr,
      progress: !flags.silent && stderr.isTTY === true,
      pretty: stdout.isTTY === true,
      now,
      verbose: flags.verbose,
      protocols
    }
    const jar = yield* loadJar(flags)
    const program = Effect.gen(function* () {
      const client = (yield* HttpClient.HttpClient).pipe(withBatteries(flags, planned.urls, sink, jar))
      let received = 0
      const exits = yield* Effect.forEach(
        planned.jobs,
        (job) =>
          Effect.exit(
            Effect.tap(withMaxTime(transfer(client, job, io), flags), (facts) => {
              received += facts.sizeDownload
              return writeOut(flags, stdout, facts)
            })
          ),
        { concurrency: planned.parallel ? Math.max(1, flags.parallelMax) : 1 }
      )
      // As curl, the jar is written whatever became of the transfers.
      const saved = yield* Effect.exit(saveJar(flags, jar))
      const ended: ReadonlyArray<Exit.Exit<unknown, unknown>> = [...exits, saved]
      let code = 0
      for (const exit of ended) {
        if (Exit.isFailure(exit)) {
          const failure = exit.cause._tag === "Fail" ? exit.cause.error : exit.cause
          const failed = report(flags, io, failure)
          if (code === 0) code = failed
        }
      }
      if (sink !== undefined) {
        const stats = yield* (yield* Requests.Requests).stats
        stderr.write(summary(stats, now() - start, received))
      }
      return code
    })
    return yield* Effect.provide(program, Requests.layer(options))
  }).pipe(Effect.catchAll((error) => Effect.sync(() => report(flags, { stderr }, error))))
