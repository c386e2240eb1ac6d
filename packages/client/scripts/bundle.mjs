// Bundles the client's public entry into a few ES modules: the entry, and one chunk for each
// part it loads on first use (the HTTP/2 pool, the stream pools, SOCKS). Node loads modules one
// file at a time, and importing the unbundled client (some hundred files) cost 1.15 times
// importing @effect/platform's own HttpClient module; bundled, 1.05 (the cold-start scenario of
// packages/bench). Its peers and dependencies stay imports, resolved where the user installed them.
// The package marks the chunks as having side effects: esbuild joins shared modules into chunks
// that other chunks import bare, for their order, and a bundler that took `sideEffects: false`
// at its word would drop (and warn about) those imports when bundling an application.
// Not minified, with a linked source map holding the sources: stack traces, CPU profiles and
// debuggers show the TypeScript (`NODE_OPTIONS=--enable-source-maps` for Node's own traces).
import { build } from "esbuild"
import { rm } from "node:fs/promises"
import { fileURLToPath, URL } from "node:url"

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

// Chunk names change with their contents: start empty, so no stale chunk ships.
await rm(here("../dist/bundle"), { recursive: true, force: true })

await build({
  entryPoints: { index: here("../src/index.ts") },
  outdir: here("../dist/bundle"),
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20.18",
  packages: "external",
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "none",
  logLevel: "warning"
})
