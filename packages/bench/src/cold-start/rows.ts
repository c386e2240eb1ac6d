/**
 * What the cold-start scenario times: whole processes, each making one GET of 1 KiB from the loopback
 * server (or only loading modules), from `exec` to exit.
 */
import { fileURLToPath } from "node:url"

/** A process to time. `argv` gets the URL and the expected body length. */
export interface Row {
  readonly id: string
  readonly label: string
  readonly kind: "request" | "import"
  readonly argv: (url: string, bytes: number) => ReadonlyArray<string>
}

const node = process.execPath
const program = (name: string): string => fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url))
/** The bundles `bundles.ts` writes. */
export const bundleFile = (name: string): string =>
  fileURLToPath(new URL(`./bundles/${name}.js`, import.meta.url))
/** The `ereq` executable as published: the CLI package's bundle. */
export const ereqBundle = fileURLToPath(new URL("../../../cli/dist/ereq.js", import.meta.url))

const nodeRow = (id: string, label: string, file: string): Row => ({
  id,
  label,
  kind: "request",
  argv: (url, bytes) => [node, file, url, String(bytes)]
})

const importRow = (id: string, label: string, file: string): Row => ({
  id,
  label,
  kind: "import",
  argv: () => [node, file]
})

/** The rows, in the order of the table. `curl` is left out where it is not installed. */
export const rows = (curl: string | undefined): ReadonlyArray<Row> => [
  ...(curl === undefined
    ? []
    : [
        {
          id: "curl",
          label: "`curl -s URL`",
          kind: "request" as const,
          argv: (url: string) => [curl, "-s", url]
        }
      ]),
  nodeRow("fetch", "`node` script: `fetch(url)`, body read", program("fetch")),
  nodeRow("undici", "`node` script: undici `request(url)`, body read", program("undici")),
  nodeRow(
    "effect-requests",
    "`node` script: `Requests.layer()` + `HttpClient.get(url)`, body read",
    program("effect-requests")
  ),
  nodeRow(
    "effect-requests-app-bundle",
    "the same, the whole program bundled",
    bundleFile("effect-requests-app")
  ),
  {
    id: "ereq",
    label: "`ereq -s URL` (the published bundle)",
    kind: "request",
    argv: (url) => [node, ereqBundle, "-s", url]
  },
  importRow("node", "`node` with an empty module", program("empty")),
  importRow("import-effect", '`import("effect/Effect")`', program("import-effect")),
  importRow("import-platform", '`import("@effect/platform/HttpClient")`', program("import-platform")),
  // The client package's entry is its own bundle (packages/client/scripts/bundle.mjs).
  importRow("import-client", '`import("@effect-requests/client")`', program("import-client"))
]

/** The targets: each row's median at most `ratio` times another's, same machine, same run. */
export interface Target {
  readonly row: string
  readonly against: string
  readonly ratio: number
}

export const targets: ReadonlyArray<Target> = [
  { row: "import-client", against: "import-platform", ratio: 1.1 },
  { row: "effect-requests", against: "fetch", ratio: 1.5 },
  { row: "ereq", against: "fetch", ratio: 1.2 }
]
