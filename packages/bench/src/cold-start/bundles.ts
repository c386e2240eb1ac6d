/**
 * The bundled row: a whole program bundled (what an application that bundles itself gets). The client
 * package is a bundle of its own already, so its rows need none.
 */
import { build, type BuildOptions } from "esbuild"
import { fileURLToPath } from "node:url"
import { bundleFile } from "./rows.js"

const program = (name: string): string => fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url))

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
  await build({
    ...common,
    entryPoints: [program("effect-requests")],
    outfile: bundleFile("effect-requests-app")
  })
}
