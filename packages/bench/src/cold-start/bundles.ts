/**
 * The bundled rows: the client bundled into a program with effect and the platform left as they are
 * installed (what a bundled build of the client package would give its users), and a whole program
 * bundled (what an application that bundles itself gets).
 */
import { build, type BuildOptions } from "esbuild"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { bundleFile } from "./rows.js"

const program = (name: string): string => fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url))

// The client's peers, and its dependencies, which a package bundle leaves to the installer.
const installed = ["effect", "effect/*", "@effect/*", "socks", "tough-cookie"]

const common: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.18",
  sourcemap: "linked",
  logLevel: "warning",
  // CommonJS dependencies bundled into an ES module require Node's built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";const require = __createRequire(import.meta.url);'
  }
}

/** Writes the bundles `rows.ts` names. */
export const writeBundles = async (): Promise<void> => {
  await Promise.all([
    // Split at the client's dynamic imports, as a package bundle would be: inlined, the modules the
    // client loads on first use would hoist their imports of installed packages (the stream pools'
    // platform-node sockets, ws) to the bundle's top, and every start would load them.
    build({
      ...common,
      entryPoints: {
        "effect-requests-client": program("effect-requests"),
        "import-client": program("import-client")
      },
      outdir: dirname(bundleFile("import-client")),
      splitting: true,
      chunkNames: "chunks/[name]-[hash]",
      external: installed
    }),
    build({
      ...common,
      entryPoints: [program("effect-requests")],
      outfile: bundleFile("effect-requests-app")
    })
  ])
}
