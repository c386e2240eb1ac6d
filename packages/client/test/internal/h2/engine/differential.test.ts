/**
 * Our HTTP/2 engine against node's: the same request sequences, sent
 * through a client on each engine to the same scripted server, give the
 * same responses and the same errors. The sequences are drawn by
 * fast-check; each request picks what the server does with it.
 */
import type * as http2 from "node:http2"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import fc from "fast-check"
import type { RequestsError } from "../../../../src/Errors.js"
import { causeOf, h2Server, withClient } from "../../../hostile/support.js"

/** What the server does with one request, chosen by its path. */
type Action =
  | { readonly _tag: "body"; readonly size: number; readonly declared: boolean }
  | { readonly _tag: "status"; readonly status: 204 | 304 | 404 | 500 }
  | { readonly _tag: "fields"; readonly n: number; readonly cookies: number }
  | { readonly _tag: "echo"; readonly size: number; readonly streamed: "no" | "sized" | "unsized" }
  | { readonly _tag: "interim"; readonly n: number }
  | { readonly _tag: "resetBeforeHead"; readonly code: 1 | 2 | 7 | 8 | 11 }
  | { readonly _tag: "trailers" }

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    _tag: fc.constant("body" as const),
    size: fc.integer({ min: 0, max: 70_000 }),
    declared: fc.boolean()
  }),
  fc.record({
    _tag: fc.constant("status" as const),
    status: fc.constantFrom(204 as const, 304 as const, 404 as const, 500 as const)
  }),
  fc.record({
    _tag: fc.constant("fields" as const),
    n: fc.integer({ min: 0, max: 40 }),
    cookies: fc.integer({ min: 0, max: 3 })
  }),
  fc.record({
    _tag: fc.constant("echo" as const),
    size: fc.integer({ min: 0, max: 100_000 }),
    streamed: fc.constantFrom("no" as const, "sized" as const, "unsized" as const)
  }),
  fc.record({ _tag: fc.constant("interim" as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    _tag: fc.constant("resetBeforeHead" as const),
    code: fc.constantFrom(1 as const, 2 as const, 7 as const, 8 as const, 11 as const)
  }),
  fc.record({ _tag: fc.constant("trailers" as const) })
)

const serve = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
  const a = JSON.parse(decodeURIComponent(String(headers[":path"]).slice(1))) as Action
  switch (a._tag) {
    case "body": {
      const body = Buffer.alloc(a.size, 120)
      stream.respond({ ":status": 200, ...(a.declared ? { "content-length": a.size } : {}) })
      return void stream.end(body)
    }
    case "status":
      stream.respond({ ":status": a.status }, { endStream: true })
      return
    case "fields": {
      const head: http2.OutgoingHttpHeaders = { ":status": 200 }
      for (let i = 0; i < a.n; i++) head[`x-f${i}`] = `v${i}`
      if (a.cookies > 0) head["set-cookie"] = Array.from({ length: a.cookies }, (_, i) => `c${i}=${i}`)
      stream.respond(head)
      return void stream.end("fields")
    }
    case "echo": {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        stream.respond({ ":status": 200 })
        stream.end(`${Buffer.concat(chunks).length}`)
      })
      return
    }
    case "interim":
      for (let i = 0; i < a.n; i++) stream.additionalHeaders({ ":status": 103 })
      stream.respond({ ":status": 200 })
      return void stream.end("after hints")
    case "resetBeforeHead":
      return void stream.close(a.code)
    case "trailers":
      stream.respond({ ":status": 200 }, { waitForTrailers: true })
      stream.on("wantTrailers", () => stream.sendTrailers({ "x-trailer": "t" }))
      return void stream.end("with trailers")
  }
}

/** The echo's body: in memory, or streamed in 16 KiB chunks with or without its length. */
const withBody = (a: Extract<Action, { _tag: "echo" }>) => {
  const bytes = new Uint8Array(a.size)
  if (a.streamed === "no") return HttpClientRequest.bodyUint8Array(bytes)
  const chunks = Stream.fromIterable(
    Array.from({ length: Math.ceil(a.size / 16_384) }, (_, i) => bytes.subarray(i * 16_384, (i + 1) * 16_384))
  )
  return HttpClientRequest.bodyStream(chunks, a.streamed === "sized" ? { contentLength: a.size } : {})
}

/** What a client saw, without what may differ between runs (dates). */
const outcome = (url: string) => (a: Action) => {
  const target = `${url}/${encodeURIComponent(JSON.stringify(a))}`
  const request =
    a._tag === "echo" ? HttpClientRequest.post(target).pipe(withBody(a)) : HttpClientRequest.get(target)
  return Effect.flatMap(HttpClient.HttpClient, (client) =>
    client.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (text) => {
          const { date: _date, ...headers } = response.headers
          return { status: response.status, headers, text }
        })
      ),
      Effect.catchAll((error) => {
        const e = causeOf(error) as RequestsError
        return Effect.succeed({
          error: e._tag,
          code: "code" in e ? e.code : undefined,
          phase: "phase" in e ? e.phase : undefined
        })
      })
    )
  )
}

const run = (url: string, engine: "own" | "node", actions: ReadonlyArray<Action>) =>
  withClient(
    { protocol: "h2c", h2: { engine } },
    Effect.forEach(actions, outcome(url), { concurrency: "unbounded" })
  )

describe("our HTTP/2 engine and node's", () => {
  it.scoped("give the same responses and errors for the same request sequences", () =>
    Effect.gen(function* () {
      const server = yield* h2Server(serve)
      const samples = fc.sample(fc.array(action, { minLength: 1, maxLength: 8 }), {
        numRuns: 40,
        seed: 20261205
      })
      for (const actions of samples) {
        const own = yield* run(server.url, "own", actions)
        const node = yield* run(server.url, "node", actions)
        expect(own, JSON.stringify(actions)).toEqual(node)
      }
    })
  )
})
