/**
 * The bundled rows: the client bundled into a program with effect and the platform left as they are
 * installed (what a bundled build of the client package would give its users), and a whole program
 * bundled (what an application that bundles itself gets).
 */
import { build, type BuildOptions } from "esbuild"
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
    build({
      ...common,
      entryPoints: [program("effect-requests")],
      outfile: bundleFile("effect-requests-client"),
      external: installed
    }),
    build({
      ...common,
      entryPoints: [program("import-client")],
      outfile: bundleFile("import-client"),
      external: installed
    }),
    build({
      ...common,
      entryPoints: [program("effect-requests")],
      outfile: bundleFile("effect-requests-app")
    })
  ])
}
