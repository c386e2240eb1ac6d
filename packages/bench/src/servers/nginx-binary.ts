import { execFile } from "node:child_process"
import { constants } from "node:fs"
import { access } from "node:fs/promises"
import { delimiter, join } from "node:path"
import type { NginxModules } from "./nginx-config.js"

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

export interface NginxBuild {
  readonly version: string
  readonly modules: NginxModules
}

export const inspect = (binary: string): Promise<NginxBuild> =>
  new Promise((resolve, reject) => {
    // `nginx -V` prints to stderr.
    execFile(binary, ["-V"], (error, _stdout, stderr) => {
      if (error !== null) return reject(error)
      resolve({
        version: /nginx version: (\S+)/.exec(stderr)?.[1] ?? "nginx (unknown version)",
        modules: {
          stubStatus: stderr.includes("http_stub_status_module"),
          ssl: stderr.includes("http_ssl_module"),
          http2: stderr.includes("http_v2_module"),
          dav: stderr.includes("http_dav_module")
        }
      })
    })
  })
