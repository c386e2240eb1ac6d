import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { constants } from "node:fs"
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { certPaths } from "./certs.js"
import { freePorts, waitForPort } from "./free-port.js"
import { inspect } from "./nginx-binary.js"
import type { NginxBuild } from "./nginx-binary.js"
import { nginxConfig } from "./nginx-config.js"
import type { NginxLayout, NginxModules } from "./nginx-config.js"
import { accessLogStats, stubStatusStats } from "./nginx-stats.js"
import { resourceBody, resources, uploads } from "./resources.js"
import { httpOriginCount } from "./types.js"
import type { ServerStats } from "./types.js"

/**
 * Where nginx runs: on loopback by default, or inside a network namespace on one of its addresses, reached
 * through a veth pair that can carry a netem delay (see scripts/latency.sh).
 */
export interface NginxPlacement {
  readonly host: string
  readonly netns?: string
}

export const loopback: NginxPlacement = { host: "127.0.0.1" }

const statusPath = "/nginx-status"

/** nginx's part of the bench server: the listeners its build can serve, and its counters. */
export interface NginxServer {
  readonly description: string
  readonly listeners: NginxLayout["listeners"]
  readonly stats: () => Promise<ServerStats>
  readonly stop: () => Promise<void>
}

/** Memory-backed when the machine has /dev/shm, so that 10 MiB uploads written by WebDAV never wait on a disk. */
const scratchParent = (): Promise<string> =>
  access("/dev/shm", constants.W_OK).then(
    () => "/dev/shm",
    () => tmpdir()
  )

const writeSite = async (dir: string): Promise<void> => {
  // Workers drop to an unprivileged user when started as root: they must still read the files and write
  // the uploads.
  await chmod(dir, 0o755)
  await mkdir(join(dir, "www", "upload"), { recursive: true })
  await mkdir(join(dir, "tmp"))
  await chmod(join(dir, "www", "upload"), 0o777)
  for (const resource of Object.values(resources)) {
    await writeFile(join(dir, "www", resource.path), resourceBody(resource), { mode: 0o644 })
  }
  for (const upload of Object.values(uploads)) {
    await writeFile(join(dir, "www", upload.path), "", { mode: 0o666 })
  }
}

const allocateListeners = async (
  modules: NginxModules,
  placement: NginxPlacement
): Promise<NginxLayout["listeners"]> => {
  // The namespace's address cannot be bound from here; ports free on loopback serve as well there, where
  // nothing else listens.
  const ports = await freePorts(
    placement.netns === undefined ? placement.host : "127.0.0.1",
    httpOriginCount + 4
  )
  const http = ports.slice(0, httpOriginCount)
  const [first] = http
  const [https, h2, h2c, alpn] = ports.slice(httpOriginCount)
  return {
    http,
    ...(modules.dav && first !== undefined ? { upload: first } : {}),
    ...(modules.ssl && https !== undefined ? { https } : {}),
    ...(modules.ssl && modules.http2 && h2 !== undefined ? { h2 } : {}),
    ...(modules.http2 && h2c !== undefined ? { h2c } : {}),
    ...(modules.ssl && modules.http2 && alpn !== undefined ? { alpn } : {})
  }
}

const describe = (build: NginxBuild, listeners: NginxLayout["listeners"]): string => {
  const served = [
    "HTTP/1.1",
    listeners.https === undefined ? undefined : "HTTPS",
    listeners.h2 === undefined ? undefined : "HTTP/2 over TLS",
    listeners.h2c === undefined ? undefined : "h2c",
    listeners.alpn === undefined ? undefined : "TLS offering h2 and http/1.1",
    listeners.upload === undefined ? undefined : "uploads (WebDAV PUT)"
  ].filter((entry) => entry !== undefined)
  const counts = build.modules.stubStatus ? "stub_status" : "access log"
  return `${build.version} (1 worker, ${counts} counts: ${served.join(", ")})`
}

const waitForExit = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
  })

/** Starts nginx with its own config in a scratch directory, on free ports (loopback unless placed elsewhere). */
export const startNginx = async (
  binary: string,
  placement: NginxPlacement = loopback
): Promise<NginxServer> => {
  const { host } = placement
  const build = await inspect(binary)
  const dir = await mkdtemp(join(await scratchParent(), "effect-requests-bench-nginx-"))
  const listeners = await allocateListeners(build.modules, placement)
  const [statusPort] = listeners.http
  if (statusPort === undefined) throw new Error("nginx needs at least one HTTP port")
  const configPath = join(dir, "nginx.conf")
  const layout: NginxLayout = { dir, host, statusPath, listeners, certs: certPaths }
  await writeSite(dir)
  await writeFile(configPath, nginxConfig(layout, build.modules))

  const args = ["-p", dir, "-c", configPath, "-e", join(dir, "error.log")]
  // `ip netns exec` execs nginx in place, so the child is nginx's master and SIGTERM still reaches it.
  const child =
    placement.netns === undefined
      ? spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] })
      : spawn("ip", ["netns", "exec", placement.netns, binary, ...args], {
          stdio: ["ignore", "ignore", "pipe"]
        })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const stop = async (): Promise<void> => {
    child.kill("SIGTERM")
    await waitForExit(child)
    await rm(dir, { recursive: true, force: true })
  }
  const exitError = async (code: number | null): Promise<Error> => {
    const log = await readFile(join(dir, "error.log"), "utf8").catch(
      (readError: Error) => `(error log unreadable: ${readError.message})`
    )
    return new Error(`nginx exited (${code}): ${stderr}${log}`)
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null): void => void exitError(code).then(reject)
      child.once("exit", onExit)
      waitForPort(host, statusPort, 5000).then(() => {
        child.off("exit", onExit)
        resolve()
      }, reject)
    })
  } catch (error) {
    await stop()
    throw error
  }

  return {
    description: describe(build, listeners),
    listeners,
    stats: build.modules.stubStatus
      ? stubStatusStats(host, statusPort, statusPath)
      : accessLogStats(join(dir, "access.log")),
    stop
  }
}
