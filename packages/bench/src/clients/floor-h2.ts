import * as http2 from "node:http2"
import { promiseLoop } from "./promise-loop.js"
import { lookupTo } from "./resolve-to.js"
import { requestBody, rotation } from "./target-helpers.js"
import { checkResponse } from "./types.js"
import type { ClientAdapter, Origin, Target } from "./types.js"

interface Session {
  readonly session: http2.ClientHttp2Session
  /** Set once the session failed; open streams fail with it too, later requests are refused with it. */
  failure: Error | undefined
}

const connect = (target: Target, origin: Origin): Promise<Session> =>
  new Promise((resolve, reject) => {
    const session = http2.connect(origin.origin, {
      ...(target.ca === undefined ? {} : { ca: target.ca }),
      ...(target.resolveTo === undefined ? {} : { lookup: lookupTo(target.resolveTo) })
    })
    session.once("error", reject)
    session.once("connect", () => {
      session.off("error", reject)
      const entry: Session = { session, failure: undefined }
      session.on("error", (error) => (entry.failure ??= error))
      resolve(entry)
    })
  })

/**
 * The HTTP/2 floor: one node:http2 session per origin, every request a stream on it, the body only counted.
 * Streams beyond the server's concurrency limit wait inside node:http2.
 */
export const adapter: ClientAdapter = {
  start: async (target) => {
    const sessions = await Promise.all(target.origins.map((origin) => connect(target, origin)))
    const nextSession = rotation(sessions)
    const body = requestBody(target)
    const headers = { ":method": target.method, ":path": target.path }
    const options = { endStream: body === undefined }
    const request = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const { session, failure } = nextSession()
        if (failure !== undefined) return reject(failure)
        const stream = session.request(headers, options)
        let status = 0
        let bytes = 0
        stream.on("response", (response) => (status = response[":status"] ?? 0))
        stream.on("data", (chunk: Buffer) => (bytes += chunk.byteLength))
        stream.on("error", reject)
        stream.on("end", () => {
          try {
            checkResponse(target, status, bytes)
            resolve()
          } catch (error) {
            reject(error)
          }
        })
        if (body !== undefined) stream.end(body)
      })
    return {
      run: promiseLoop(request),
      close: async () => sessions.forEach(({ session }) => session.close())
    }
  }
}
