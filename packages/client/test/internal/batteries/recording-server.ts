import type * as http from "node:http"
import { HttpTestServer } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** A request as the server saw it, body included. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** What a route answers: status, headers and body. */
export interface Answer {
  readonly status: number
  readonly headers?: Record<string, string | Array<string>>
  readonly body?: string | Buffer
}

export interface RecordingServer extends HttpTestServer.HttpTestServer {
  readonly seen: Array<Seen>
}

/**
 * A loopback server that reads each request in full, records it, and
 * answers with what `route` says.
 */
export const make = (
  route: (seen: Seen, index: number) => Answer,
  options: Omit<HttpTestServer.Options, "handler"> = {}
): Effect.Effect<RecordingServer, never, Scope.Scope> => {
  const seen: Array<Seen> = []
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parts: Array<Buffer> = []
    req.on("data", (part: Buffer) => parts.push(part))
    req.on("end", () => {
      const request: Seen = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(parts).toString()
      }
      seen.push(request)
      const answer = route(request, seen.length - 1)
      res.writeHead(answer.status, answer.headers ?? {})
      res.end(answer.body)
    })
  }
  return Effect.map(HttpTestServer.make({ ...options, handler }), (server) => Object.assign(server, { seen }))
}
