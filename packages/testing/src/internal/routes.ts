/**
 * The built-in routes of `HttpTestServer`, each one a behaviour a client test
 * needs: sized bodies in every framing, echo, uploads, statuses and failures.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type * as http from "node:http"
import { slice } from "./pattern.js"

/** @internal */
export const DEFAULT_CHUNK_SIZE = 1024

// Slices written per `write` by /stream: large enough to keep the loop cheap,
// small enough that backpressure is exercised long before memory is.
const STREAM_WRITE = 64 * 1024

/** @internal */
export const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  const url = new URL(req.url ?? "/", "http://test.invalid")
  const [route, arg] = url.pathname.split("/").slice(1)
  switch (route) {
    case "bytes":
      return withCount(res, arg, (n) => bytes(req, res, n))
    case "chunked":
      return withCount(res, arg, (n) => {
        const size = url.searchParams.has("size")
          ? parseCount(url.searchParams.get("size"))
          : DEFAULT_CHUNK_SIZE
        if (size === undefined || size === 0) return text(res, 400, "size must be a positive integer")
        drain(req, () => {
          res.writeHead(200, { "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" })
          pump(res, n, size)
        })
      })
    case "stream":
      return withCount(res, arg, (n) =>
        drain(req, () => {
          res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": n })
          pump(res, n, STREAM_WRITE)
        })
      )
    case "echo":
      return echo(req, res)
    case "upload":
      return upload(req, res)
    case "status":
      return withCount(res, arg, (code) => status(req, res, code, url.searchParams.get("location")))
    case "hang-body":
      return withCount(res, arg, (n) => hangBody(req, res, n))
    case "set-cookie":
      return drain(req, () => {
        res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; Path=/; HttpOnly"])
        res.end()
      })
    case "delay-headers":
      // No timer on purpose: the response only ends when the client gives up
      // or the server's scope closes, so timeout tests cannot race a delay.
      req.resume()
      return
    default:
      return drain(req, () => text(res, 404, `no route for ${url.pathname}`))
  }
}

const parseCount = (value: string | null | undefined): number | undefined =>
  value !== null && value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined

const withCount = (res: http.ServerResponse, value: string | undefined, f: (n: number) => void): void => {
  const n = parseCount(value)
  if (n === undefined) text(res, 400, `expected a non-negative integer, got ${String(value)}`)
  else f(n)
}

/** Consumes the request body, then runs `f`, so no request byte is left unread. */
const drain = (req: http.IncomingMessage, f: () => void): void => {
  if (req.complete) return f()
  req.once("end", f)
  req.resume()
}

const text = (res: http.ServerResponse, status: number, body: string): void => {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body)
  })
  res.end(body)
}

const json = (res: http.ServerResponse, value: unknown): void => {
  const body = JSON.stringify(value)
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) })
  res.end(body)
}

const methodNotAllowed = (req: http.IncomingMessage, res: http.ServerResponse, allow: string): void =>
  drain(req, () => {
    res.setHeader("Allow", allow)
    text(res, 405, `${String(req.method)} not allowed`)
  })

const bytes = (req: http.IncomingMessage, res: http.ServerResponse, n: number): void => {
  if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed(req, res, "GET, HEAD")
  drain(req, () => {
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": n })
    if (req.method === "HEAD") res.end()
    else res.end(slice(0, n))
  })
}

/** Writes `n` pattern bytes in `size`-byte writes, pausing whenever the socket is full. */
const pump = (res: http.ServerResponse, n: number, size: number): void => {
  let offset = 0
  const next = (): void => {
    while (offset < n) {
      if (res.destroyed) return
      const length = Math.min(size, n - offset)
      const flushed = res.write(slice(offset, length))
      offset += length
      if (!flushed) {
        res.once("drain", next)
        return
      }
    }
    res.end()
  }
  next()
}

const echo = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.once("end", () =>
    json(res, {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString("utf8")
    })
  )
}

const upload = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  if (req.method !== "POST" && req.method !== "PUT") return methodNotAllowed(req, res, "POST, PUT")
  const hash = createHash("sha256")
  let count = 0
  req.on("data", (chunk: Buffer) => {
    count += chunk.length
    hash.update(chunk)
  })
  req.once("end", () => json(res, { bytes: count, sha256: hash.digest("hex") }))
}

const status = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  code: number,
  location: string | null
): void =>
  drain(req, () => {
    // Informational codes are not final responses and node cannot send them here.
    if (code < 200 || code > 599) return text(res, 400, `unsupported status ${code}`)
    if (location !== null) res.setHeader("Location", location)
    // Said explicitly: without it node would frame the empty body as chunked.
    if (code !== 204 && code !== 304) res.setHeader("Content-Length", 0)
    res.writeHead(code)
    res.end()
  })

const hangBody = (req: http.IncomingMessage, res: http.ServerResponse, n: number): void =>
  drain(req, () => {
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": n })
    // Destroying only once the half is flushed guarantees the client sees the
    // head and a partial body before the connection goes away.
    res.write(slice(0, Math.floor(n / 2)), () => req.socket.destroy())
  })
