/**
 * The built-in routes of `Http2TestServer`: the HTTP/1.1 server's routes
 * that make sense over HTTP/2, plus holds and stream resets.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type * as http2 from "node:http2"
import { slice } from "./pattern.js"

/** @internal */
export interface RouteContext {
  /** Parks `answer` until the key (or every key) is released. */
  readonly hold: (key: string, answer: () => void, stream: http2.ServerHttp2Stream) => void
}

// Slices written per `write` by /stream: large enough to keep the loop cheap,
// small enough that flow control is exercised long before memory is.
const STREAM_WRITE = 64 * 1024

const parseCount = (value: string | undefined): number | undefined =>
  value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined

/** @internal */
/** The head of a 200 answer carrying `count` bytes. */
const octetHead = (count: number) => ({
  ":status": 200,
  "content-type": "application/octet-stream",
  "content-length": count
})

export const handle = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  context: RouteContext
): void => {
  const method = headers[":method"] ?? "GET"
  const url = new URL(headers[":path"] ?? "/", "http://test.invalid")
  const [route, arg] = url.pathname.split("/").slice(1)
  const count = parseCount(arg)
  switch (route) {
    case "bytes":
      if (count === undefined) return text(stream, 400, `expected a non-negative integer, got ${String(arg)}`)
      if (method !== "GET" && method !== "HEAD")
        return drain(stream, () => text(stream, 405, `${method} not allowed`))
      return drain(stream, () => {
        const head = octetHead(count)
        if (method === "HEAD") return stream.respond(head, { endStream: true })
        stream.respond(head)
        stream.end(slice(0, count))
      })
    case "stream":
      if (count === undefined) return text(stream, 400, `expected a non-negative integer, got ${String(arg)}`)
      return drain(stream, () => {
        stream.respond(octetHead(count))
        pump(stream, count)
      })
    case "echo":
      return echo(stream, headers)
    case "upload":
      return upload(stream, method)
    case "status":
      return drain(stream, () => {
        if (count === undefined || count < 200 || count > 599)
          return text(stream, 400, `unsupported status ${arg}`)
        const location = url.searchParams.get("location")
        stream.respond({ ":status": count, ...(location !== null ? { location } : {}) }, { endStream: true })
      })
    case "set-cookie":
      return drain(stream, () =>
        stream.respond(
          { ":status": 200, "set-cookie": ["a=1; Path=/", "b=2; Path=/; HttpOnly"] },
          { endStream: true }
        )
      )
    case "hold":
      return drain(stream, () => context.hold(arg ?? "", () => text(stream, 200, arg ?? ""), stream))
    case "reset":
      // Before any frame of the response: node sends RST_STREAM with exactly this code.
      if (count === undefined) return text(stream, 400, `expected an error code, got ${String(arg)}`)
      return stream.close(count)
    case "reset-body":
      if (count === undefined) return text(stream, 400, `expected a non-negative integer, got ${String(arg)}`)
      return drain(stream, () => {
        stream.respond(octetHead(count))
        // `close(code)` would end the stream cleanly first; only destroying with
        // an error resets it mid-body, with INTERNAL_ERROR.
        stream.write(slice(0, Math.floor(count / 2)), () => stream.destroy(new Error("reset-body")))
      })
    case "delay-headers":
      // No timer on purpose: the stream ends only when the client gives up or
      // the server's scope closes, so timeout tests cannot race a delay.
      stream.resume()
      return
    default:
      return drain(stream, () => text(stream, 404, `no route for ${url.pathname}`))
  }
}

/** Consumes the request body, then runs `f`, so flow control never holds the client's upload. */
const drain = (stream: http2.ServerHttp2Stream, f: () => void): void => {
  if (stream.readableEnded) return f()
  stream.once("end", f)
  stream.resume()
}

const text = (stream: http2.ServerHttp2Stream, status: number, body: string): void => {
  if (stream.destroyed || stream.closed) return
  stream.respond({
    ":status": status,
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body)
  })
  stream.end(body)
}

const json = (stream: http2.ServerHttp2Stream, value: unknown): void => {
  if (stream.destroyed || stream.closed) return
  const body = JSON.stringify(value)
  stream.respond({
    ":status": 200,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body)
  })
  stream.end(body)
}

/** Writes `n` pattern bytes, pausing whenever the stream's window or buffer is full. */
const pump = (stream: http2.ServerHttp2Stream, n: number): void => {
  let offset = 0
  const next = (): void => {
    while (offset < n) {
      if (stream.destroyed || stream.closed) return
      const length = Math.min(STREAM_WRITE, n - offset)
      const flushed = stream.write(slice(offset, length))
      offset += length
      if (!flushed) {
        stream.once("drain", next)
        return
      }
    }
    stream.end()
  }
  next()
}

const echo = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
  const chunks: Array<Buffer> = []
  stream.on("data", (chunk: Buffer) => chunks.push(chunk))
  stream.once("end", () => {
    const fields: Record<string, string | ReadonlyArray<string>> = {}
    for (const name in headers) {
      const value = headers[name]
      if (!name.startsWith(":") && value !== undefined) fields[name] = value
    }
    json(stream, {
      method: headers[":method"],
      path: headers[":path"],
      scheme: headers[":scheme"],
      authority: headers[":authority"],
      headers: fields,
      body: Buffer.concat(chunks).toString("utf8")
    })
  })
}

const upload = (stream: http2.ServerHttp2Stream, method: string): void => {
  if (method !== "POST" && method !== "PUT")
    return drain(stream, () => text(stream, 405, `${method} not allowed`))
  const hash = createHash("sha256")
  let bytes = 0
  stream.on("data", (chunk: Buffer) => {
    bytes += chunk.length
    hash.update(chunk)
  })
  stream.once("end", () => json(stream, { bytes, sha256: hash.digest("hex") }))
}
