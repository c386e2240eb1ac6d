import { open } from "node:fs/promises"
import * as http from "node:http"
import type { ServerStats } from "./types.js"

const getText = (host: string, port: number, path: string): Promise<string> =>
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
export const stubStatusStats = (host: string, port: number, statusPath: string) => {
  let queries = 0
  return async (): Promise<ServerStats> => {
    queries++
    const text = await getText(host, port, statusPath)
    const counts = /server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text)
    if (counts?.[1] === undefined || counts[3] === undefined)
      throw new Error(`unreadable stub_status: ${text}`)
    return { connections: Number(counts[1]) - queries, requests: Number(counts[3]) - queries }
  }
}

/** Without stub_status: distinct `$connection` serials in the unbuffered access log, read incrementally. */
export const accessLogStats = (logPath: string) => {
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
