import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import * as os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { errorMessage } from "../harness/messages.js"

export interface Environment {
  readonly date: string
  readonly machine: {
    readonly cpu: string
    readonly cores: number
    readonly memoryGiB: number
    readonly os: string
    readonly node: string
    /** The undici bundled with Node, which global `fetch` uses. */
    readonly nodeUndici: string
  }
  readonly packages: Record<string, string>
  readonly git: string
}

const benchDir = fileURLToPath(new URL("../..", import.meta.url))

const readVersion = (packageJson: string): string => {
  const parsed: unknown = JSON.parse(readFileSync(packageJson, "utf8"))
  return typeof parsed === "object" &&
    parsed !== null &&
    "version" in parsed &&
    typeof parsed.version === "string"
    ? parsed.version
    : "unknown (no version field)"
}

/** Installed versions, found the way Node resolves them: the nearest node_modules upwards. */
const installedVersion = (name: string): string => {
  for (let dir = benchDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name, "package.json")
    if (existsSync(candidate)) return readVersion(candidate)
    if (dirname(dir) === dir) return "not installed"
  }
}

const gitDescription = (): string => {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: benchDir,
      encoding: "utf8"
    }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: benchDir, encoding: "utf8" }).trim()
    return dirty === "" ? commit : `${commit} + uncommitted changes`
  } catch (error) {
    return `unknown (${errorMessage(error).split("\n")[0]})`
  }
}

export const environment = (): Environment => ({
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeUndici: process.versions.undici ?? "unknown"
  },
  packages: {
    "@effect-requests/client": readVersion(join(benchDir, "..", "client", "package.json")),
    effect: installedVersion("effect"),
    "@effect/platform": installedVersion("@effect/platform"),
    "@effect/platform-node": installedVersion("@effect/platform-node"),
    undici: installedVersion("undici"),
    got: installedVersion("got"),
    axios: installedVersion("axios")
  },
  git: gitDescription()
})
