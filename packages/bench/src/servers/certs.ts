import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The test certificates of packages/testing, read by path rather than through that package's entry point so
 * that a server process loads nothing else. The leaf certificate covers 127.0.0.1, where the servers listen.
 */
export const certsDir = fileURLToPath(new URL("../../../testing/certs/", import.meta.url))

export const certPaths = {
  ca: join(certsDir, "ca.pem"),
  cert: join(certsDir, "leaf.pem"),
  key: join(certsDir, "leaf.key")
} as const

export interface ServerCerts {
  readonly ca: string
  readonly cert: string
  readonly key: string
}

export const readCerts = (): ServerCerts => ({
  ca: readFileSync(certPaths.ca, "utf8"),
  cert: readFileSync(certPaths.cert, "utf8"),
  key: readFileSync(certPaths.key, "utf8")
})
