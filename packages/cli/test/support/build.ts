import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

// The tests run `ereq` as a subprocess, from its bundle: bring it up to date first.
export default function setup(): void {
  const root = fileURLToPath(new URL("../../../../", import.meta.url))
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/cli"], {
    cwd: root,
    stdio: "inherit"
  })
  execFileSync(process.execPath, [`${root}packages/cli/scripts/bundle.mjs`], { cwd: root, stdio: "inherit" })
}
