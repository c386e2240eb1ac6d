/**
 * A response whose body is read through its content decoders: same request,
 * status and cookies as the response it wraps, headers without
 * `content-encoding` and `content-length`, and every body accessor seeing
 * decoded bytes.
 */
import type * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import type * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type Coding, decode } from "./decoders.js"
import { DecompressionError, DecompressionLimitError } from "./decompression-errors.js"
import { endpointOf, type Listener } from "./events.js"
import { SetCookieHeaders, setCookieHeaders } from "./set-cookie.js"

/** The limits a decoded body is held to. */
export interface Limits {
  readonly maxBodySize: number
  readonly maxRatio: number
  readonly ratioThreshold: number
}

const utf8 = new TextDecoder()

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
  if (chunks.length === 1) return Chunk.unsafeHead(chunks)
  let length = 0
  for (const chunk of chunks) length += chunk.length
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

/** @internal */
export class DecodedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly headers: Headers.Headers
  private cachedBytes: Effect.Effect<Uint8Array, HttpClientError.ResponseError> | undefined = undefined

  constructor(
    readonly original: HttpClientResponse.HttpClientResponse,
    /** Codings in the order they are undone. */
    private readonly codings: ReadonlyArray<Coding>,
    private readonly limits: Limits,
    private readonly listener: Listener | undefined
  ) {
    super()
    this.headers = Headers.remove(original.headers, ["content-encoding", "content-length"])
  }

  get request(): HttpClientRequest.HttpClientRequest {
    return this.original.request
  }

  get status(): number {
    return this.original.status
  }

  get cookies(): Cookies.Cookies {
    return this.original.cookies
  }

  get [SetCookieHeaders](): ReadonlyArray<string> {
    return setCookieHeaders(this.original)
  }

  get remoteAddress(): Option.Option<string> {
    return this.original.remoteAddress
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      const url = this.request.url
      const { maxBodySize, maxRatio, ratioThreshold } = this.limits
      let encodedBytes = 0
      let decodedBytes = 0
      let stream = Stream.mapChunks(this.original.stream, (chunks) => {
        for (const chunk of chunks) encodedBytes += chunk.length
        return chunks
      })
      for (const coding of this.codings) {
        stream = decode(coding, stream, (cause) =>
          this.decodeError(new DecompressionError({ url, encoding: coding.name, cause }))
        )
      }
      const limit = (limit: "maxBodySize" | "maxRatio") =>
        Effect.fail(
          this.decodeError(
            new DecompressionLimitError({ url, limit, encodedBytes, decodedBytes, maxBodySize, maxRatio })
          )
        )
      const checked = Stream.mapChunksEffect(stream, (chunks) => {
        for (const chunk of chunks) decodedBytes += chunk.length
        if (decodedBytes > maxBodySize) return limit("maxBodySize")
        if (decodedBytes > ratioThreshold && decodedBytes > encodedBytes * maxRatio) return limit("maxRatio")
        return Effect.succeed(chunks)
      })
      const listener = this.listener
      if (listener === undefined) return checked
      return Stream.onEnd(
        checked,
        Effect.sync(() =>
          listener({
            _tag: "Decompressed",
            endpoint: endpointOf(url),
            url,
            encodings: this.codings.map((c) => c.name),
            encodedBytes,
            decodedBytes
          })
        )
      )
    })
  }

  /** The whole decoded body, read once and kept. */
  private get bytes(): Effect.Effect<Uint8Array, HttpClientError.ResponseError> {
    return (this.cachedBytes ??= Effect.runSync(
      Effect.cached(Effect.map(Stream.runCollect(this.stream), concat))
    ))
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) => utf8.decode(bytes))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : (JSON.parse(text) as unknown)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) =>
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
        ? bytes.buffer
        : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.bytes, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status,
      decoded: this.codings.map((coding) => coding.name)
    })
  }
}
