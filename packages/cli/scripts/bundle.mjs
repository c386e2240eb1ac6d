// Bundles the `ereq` executable into one ES module, tree-shaken, with a source map: a command
// line tool starts on every invocation, and loading hundreds of modules one by one costs it
// most of its start (see the cold-start scenario of packages/bench). `--metafile` prints what
// the bundle holds, by size.
import { analyzeMetafile, build } from "esbuild"
import process from "node:process"
import { fileURLToPath, URL } from "node:url"

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

const result = await build({
  entryPoints: [here("../src/bin.ts")],
  outfile: here("../dist/ereq.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.18",
  // Not minified: a stack trace and a CPU profile read without the map too, and minifying
  // measured no faster a start (the parse is lazy).
  // Node maps stack traces with `NODE_OPTIONS=--enable-source-maps`.
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "none",
  // The CommonJS dependencies bundled into an ES module require Node's built-ins.
  banner: {
    js: 'import { createRequire as __ereqCreateRequire } from "node:module";const require = __ereqCreateRequire(import.meta.url);'
  },
  logLevel: "warning",
  metafile: process.argv.includes("--metafile")
})
if (result.metafile !== undefined) process.stdout.write(await analyzeMetafile(result.metafile))
