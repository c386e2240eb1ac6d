/**
 * `ereq`, a curl-like command line HTTP client on effect-requests: curl's
 * flags and exit codes, HTTPie's request items.
 *
 * @example
 * ```ts
 * import { Ereq } from "@effect-requests/cli"
 * const code = await Ereq.runMain(["GET", "http://127.0.0.1:8080/", "q==1"])
 * ```
 *
 * @since 0.1.0
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { expandShortOptions } from "./internal/cli/argv.js"
import { config } from "./internal/cli/flags.js"
import { VERSION } from "./internal/cli/client-options.js"
import { main } from "./internal/cli/main.js"

/**
 * The `ereq` command. Its handler writes the exit code it computes to
 * `process.exitCode`.
 *
 * @since 0.1.0
 */
export const command = Command.make("ereq", config, (flags) =>
  Effect.flatMap(main(flags, process.stdout, process.stderr), (code) =>
    Effect.sync(() => {
      process.exitCode = code
    })
  )
).pipe(
  Command.withDescription("Send HTTP requests: curl's flags, HTTPie's items, effect-requests underneath.")
)

const cli = Command.run(command, { name: "ereq", version: VERSION })

// Only the services @effect/cli needs, not all of NodeContext: less to load at start.
// Short options are case-sensitive, as curl's are: -o and -O, -i and -I differ.
const environment = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  NodeTerminal.layer,
  CliConfig.layer({ isCaseSensitive: true, showBuiltIns: false })
)

/**
 * Runs `ereq` with arguments as they follow the program name (no `node`, no
 * script) and resolves with its exit code: curl's, or 2 for a command line
 * that does not parse.
 *
 * @since 0.1.0
 */
export const runMain = (args: ReadonlyArray<string>): Promise<number> =>
  Effect.runPromise(
    cli(["node", "ereq", ...expandShortOptions(args)]).pipe(
      Effect.provide(environment),
      Effect.as(undefined),
      // @effect/cli has printed what is wrong with the command line.
      Effect.catchAll(() => Effect.succeed(2)),
      Effect.map((code) => code ?? (typeof process.exitCode === "number" ? process.exitCode : 0))
    )
  )
