import { execFile, spawn } from "node:child_process"
import { constants } from "node:fs"
import { access, chmod, mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { freePort, waitForPort } from "./free-port.js"
import { resourceBody, resources } from "./resources.js"
import type { BenchServer, ServerStats } from "./types.js"

const host = "127.0.0.1"
const statusPath = "/nginx-status"

/** nginx lives in sbin, which is not always on a non-root PATH. */
export const findNginx = async (): Promise<string | undefined> => {
  const directories = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/local/nginx/sbin"
  ]
  for (const directory of directories.filter((entry) => entry !== "")) {
    const candidate = join(directory, "nginx")
    const found = await access(candidate, constants.X_OK).then(
      () => true,
      () => false
    )
    if (found) return candidate
  }
  return undefined
}

interface NginxBuild {
  readonly version: string
  readonly stubStatus: boolean
}

const inspect = (binary: string): Promise<NginxBuild> =>
  new Promise((resolve, reject) => {
    // `nginx -V` prints to stderr.
    execFile(binary, ["-V"], (error, _stdout, stderr) => {
      if (error !== null) return reject(error)
      resolve({
        version: /nginx version: (\S+)/.exec(stderr)?.[1] ?? "nginx (unknown version)",
        stubStatus: stderr.includes("http_stub_status_module")
      })
    })
  })

const config = (dir: string, port: number, stubStatus: boolean): string => `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  default_type application/octet-stream;
  log_format bench '$connection $request_uri $status';
  # With stub_status the log is only a record, so it is buffered; without, it is the connection count.
  access_log ${dir}/access.log bench${stubStatus ? " buffer=64k flush=1s" : ""};
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  tcp_nodelay on;
  open_file_cache max=64 inactive=600s;
  server {
    listen ${host}:${port} backlog=4096;
    root ${dir}/www;
    ${stubStatus ? `location = ${statusPath} { stub_status; access_log off; }` : ""}
  }
}
`

const getText = (port: number, path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const request = http.get({ host, port, path, agent: false }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", reject)
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        if (response.statusCode === 200) resolve(text)
        else reject(new Error(`GET ${path}: status ${response.statusCode}: ${text}`))
      })
    })
    request.on("error", reject)
  })

/** stub_status counts its own queries; subtracting them leaves only the clients' traffic. */
const stubStatusStats = (port: number) => {
  let queries = 0
  return async (): Promise<ServerStats> => {
    queries++
    const text = await getText(port, statusPath)
    const counts = /server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text)
    if (counts?.[1] === undefined || counts[3] === undefined)
      throw new Error(`unreadable stub_status: ${text}`)
    return { connections: Number(counts[1]) - queries, requests: Number(counts[3]) - queries }
  }
}

/** Without stub_status: distinct `$connection` serials in the unbuffered access log, read incrementally. */
const accessLogStats = (logPath: string) => {
  let offset = 0
  let partial = ""
  let requests = 0
  const seen = new Set<string>()
  return async (): Promise<ServerStats> => {
    const file = await open(logPath, "r")
    try {
      const { size } = await file.stat()
      const buffer = Buffer.alloc(size - offset)
      await file.read(buffer, 0, buffer.length, offset)
      offset = size
      const lines = (partial + buffer.toString("utf8")).split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) {
        requests++
        seen.add(line.slice(0, line.indexOf(" ")))
      }
    } finally {
      await file.close()
    }
    return { connections: seen.size, requests }
  }
}

const waitForExit = (child: ReturnType<typeof spawn>): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
  })

export const startNginx = async (binary: string): Promise<BenchServer> => {
  const build = await inspect(binary)
  const dir = await mkdtemp(join(tmpdir(), "effect-requests-bench-nginx-"))
  // Workers drop to an unprivileged user when started as root; they must still read the files.
  await chmod(dir, 0o755)
  await mkdir(join(dir, "www"))
  await mkdir(join(dir, "tmp"))
  for (const resource of Object.values(resources)) {
    await writeFile(join(dir, "www", resource.path), resourceBody(resource), { mode: 0o644 })
  }
  const port = await freePort(host)
  const configPath = join(dir, "nginx.conf")
  await writeFile(configPath, config(dir, port, build.stubStatus))

  const child = spawn(binary, ["-p", dir, "-c", configPath, "-e", join(dir, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
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
      waitForPort(host, port, 5000).then(() => {
        child.off("exit", onExit)
        resolve()
      }, reject)
    })
  } catch (error) {
    await stop()
    throw error
  }

  return {
    kind: "nginx",
    description: `${build.version} (1 worker, ${build.stubStatus ? "stub_status" : "access log"} counts)`,
    host,
    port,
    stats: build.stubStatus ? stubStatusStats(port) : accessLogStats(join(dir, "access.log")),
    stop
  }
}
