/**
 * One transfer: a request sent, its response shown or saved, its figures
 * kept for `-w`.
 *
 * @internal
 */
import { createReadStream } from "node:fs"
import { open } from "node:fs/promises"
import type { Redirects as RedirectsModule } from "@effect-requests/client"
import { Redirects } from "@effect-requests/client"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { FileError, HttpStatusError, RedirectLimitError } from "./errors.js"
import { isJson, prettyJson } from "./output.js"
import { drawEvery100ms, ProgressBar } from "./progress.js"
import type { Spec } from "./request.js"
import { headerLines } from "./verbose.js"
import type { Facts } from "./write-out.js"

/** Where a transfer writes and what it may draw. @internal */
export interface Io {
  readonly stdout: NodeJS.WriteStream
  readonly stderr: NodeJS.WriteStream
  /** Progress bars on standard error: a terminal and no `-s`. */
  readonly progress: boolean
  /** Pretty JSON on standard output: it is a terminal. */
  readonly pretty: boolean
  readonly now: () => number
  /** `-v`: headers on standard error. */
  readonly verbose: boolean
  /** The protocol of the last response head from each endpoint, from the client's events. */
  readonly protocols: ReadonlyMap<string, string>
}

/** What to do with one URL. @internal */
export interface Job {
  readonly url: URL
  readonly spec: Spec
  /** `-o`/`-O`: the file for the body; standard output otherwise. */
  readonly file: string | undefined
  readonly fail: boolean
  readonly includeHeaders: boolean
  /** `-L --max-redirs 0`: a redirect is a failure rather than the response. */
  readonly noRedirects: boolean
  /** Collect standard output and write it at once, so parallel transfers do not interleave. */
  readonly buffered: boolean
}

const UPLOAD_CHUNK = 64 * 1024

/** The upload's chunks, counted on a progress bar when there is a terminal to draw it on. */
const counted = (
  chunks: Stream.Stream<Uint8Array, FileError>,
  total: number | undefined,
  io: Io
): Stream.Stream<Uint8Array, FileError> =>
  !io.progress
    ? chunks
    : Stream.suspend(() => {
        const bar = new ProgressBar("upload  ", total, io.now, io.stderr)
        const advancing = Stream.tap(chunks, (chunk) => Effect.sync(() => bar.advance(chunk.length)))
        return Stream.unwrapScoped(Effect.as(drawEvery100ms(bar), advancing))
      })

/** `-T`: the file read as the request is sent, never whole in memory. */
const fileStream = (path: string): Stream.Stream<Uint8Array, FileError> =>
  NodeStream.fromReadable(
    () => (path === "-" ? process.stdin : createReadStream(path)),
    (cause) => new FileError({ path, operation: "read", cause })
  )

const withBody = (request: HttpClientRequest.HttpClientRequest, job: Job, io: Io) => {
  const body = job.spec.body
  if (body === undefined) return request
  if (body._tag === "FormData") return HttpClientRequest.bodyFormData(request, body.form)
  if (body._tag === "File") {
    return HttpClientRequest.bodyStream(request, counted(fileStream(body.path), body.size, io), {
      contentType: "application/octet-stream",
      ...(body.size !== undefined ? { contentLength: body.size } : {})
    })
  }
  if (!io.progress || body.bytes.length < UPLOAD_CHUNK) {
    return HttpClientRequest.bodyUint8Array(request, body.bytes, body.contentType)
  }
  const bytes = body.bytes
  const chunks = Stream.suspend(() =>
    Stream.fromIterable(
      (function* () {
        for (let at = 0; at < bytes.length; at += UPLOAD_CHUNK) yield bytes.subarray(at, at + UPLOAD_CHUNK)
      })()
    )
  )
  return HttpClientRequest.bodyStream(request, counted(chunks, bytes.length, io), {
    contentLength: bytes.length,
    ...(body.contentType !== undefined ? { contentType: body.contentType } : {})
  })
}

const makeRequest = (job: Job, io: Io): HttpClientRequest.HttpClientRequest => {
  const url = new URL(job.url)
  for (const [name, value] of job.spec.query) url.searchParams.append(name, value)
  let request = HttpClientRequest.make(job.spec.method as HttpClientRequest.HttpClientRequest["method"])(url)
  for (const [name, value] of job.spec.headers) request = HttpClientRequest.setHeader(request, name, value)
  return withBody(request, job, io)
}

const write = (out: NodeJS.WritableStream, chunk: Uint8Array | string) =>
  Effect.async<void>((resume) => {
    out.write(chunk, () => resume(Effect.void))
  })

const versionOf = (io: Io, url: string): string => {
  const origin = new URL(url).origin
  const protocol =
    io.protocols.get(origin) ?? io.protocols.get(`${origin}:${new URL(url).protocol === "https:" ? 443 : 80}`)
  return protocol === "h2" ? "2" : "1.1"
}

const headText = (response: HttpClientResponse.HttpClientResponse, version: string): string => {
  let text = `HTTP/${version} ${response.status}\r\n`
  for (const name in response.headers) text += `${name}: ${response.headers[name]}\r\n`
  return `${text}\r\n`
}

const toFile = (
  path: string,
  body: Stream.Stream<Uint8Array, HttpClientError.ResponseError>,
  bar: ProgressBar | undefined
) =>
  Effect.gen(function* () {
    if (bar !== undefined) yield* drawEvery100ms(bar)
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => open(path, "w"),
        catch: (cause) => new FileError({ path, operation: "write", cause })
      }),
      (handle) => Effect.promise(() => handle.close())
    )
    return yield* Stream.runFoldEffect(body, 0, (n, chunk) =>
      Effect.tryPromise({
        try: () => handle.write(chunk),
        catch: (cause) => new FileError({ path, operation: "write", cause })
      }).pipe(
        Effect.as(n + chunk.length),
        Effect.tap(() => bar?.advance(chunk.length))
      )
    )
  }).pipe(Effect.scoped)

const toStdout = (job: Job, io: Io, response: HttpClientResponse.HttpClientResponse) => {
  if (io.pretty && isJson(response.headers["content-type"])) {
    return Effect.flatMap(response.text, (text) => {
      const parsed = Effect.try(() => JSON.parse(text) as unknown)
      return parsed.pipe(
        Effect.map((value) => `${prettyJson(value, true)}\n`),
        Effect.orElseSucceed(() => text),
        Effect.flatMap((shown) => write(io.stdout, shown)),
        Effect.as(Buffer.byteLength(text))
      )
    })
  }
  if (job.buffered) {
    return Effect.flatMap(Stream.runCollect(response.stream), (chunks) => {
      const all = Buffer.concat(Chunk.toArray(chunks))
      return Effect.as(write(io.stdout, all), all.length)
    })
  }
  return Stream.runFoldEffect(response.stream, 0, (n, chunk) =>
    Effect.as(write(io.stdout, chunk), n + chunk.length)
  )
}

const contentLength = (response: HttpClientResponse.HttpClientResponse): number | undefined => {
  const raw = response.headers["content-length"]
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined
}

/**
 * Runs one job with `client`: sends, shows or saves, and returns what `-w`
 * reports.
 *
 * @internal
 */
export const transfer = <E>(client: HttpClient.HttpClient.With<E>, job: Job, io: Io) =>
  Effect.gen(function* () {
    const start = io.now()
    const request = makeRequest(job, io)
    if (io.verbose) {
      const target = new URL(job.url)
      for (const [name, value] of job.spec.query) target.searchParams.append(name, value)
      io.stderr.write(
        headerLines(">", `${request.method} ${target.pathname}${target.search}`, request.headers)
      )
    }
    const response = yield* client.execute(request)
    const firstByte = io.now()
    const history: RedirectsModule.History = Redirects.history(response)
    const version = versionOf(io, history.url)
    if (io.verbose) io.stderr.write(headerLines("<", `HTTP/${version} ${response.status}`, response.headers))
    if (
      job.noRedirects &&
      response.status >= 300 &&
      response.status < 400 &&
      response.headers["location"] !== undefined
    ) {
      return yield* new RedirectLimitError({ url: history.url, max: 0 })
    }
    if (job.fail && response.status >= 400) {
      return yield* new HttpStatusError({ url: history.url, status: response.status })
    }
    if (job.includeHeaders || job.spec.method === "HEAD") yield* write(io.stdout, headText(response, version))
    let size = 0
    if (job.spec.method !== "HEAD") {
      const bar =
        io.progress && job.file !== undefined
          ? new ProgressBar("download", contentLength(response), io.now, io.stderr)
          : undefined
      size =
        job.file !== undefined
          ? yield* toFile(job.file, response.stream, bar)
          : yield* toStdout(job, io, response)
    }
    const facts: Facts = {
      httpCode: response.status,
      timeTotal: io.now() - start,
      timeStartTransfer: firstByte - start,
      sizeDownload: size,
      sizeUpload:
        job.spec.body?._tag === "Bytes"
          ? job.spec.body.bytes.length
          : job.spec.body?._tag === "File"
            ? (job.spec.body.size ?? 0)
            : 0,
      urlEffective: history.url,
      httpVersion: version,
      contentType: response.headers["content-type"] ?? "",
      numRedirects: history.hops.length,
      exitCode: 0,
      method: job.spec.method
    }
    return facts
  }).pipe(Effect.scoped)
