/**
 * Turns @effect/platform's `HttpBody` into what the wire needs: bytes in
 * memory, or a stream with an optional known length.
 *
 * @internal
 */
import { Readable } from "node:stream"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as Stream from "effect/Stream"
import { InvalidRequestError } from "../../Errors.js"

/** @internal */
export type PreparedBody =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array; readonly contentType: string | undefined }
  | {
      readonly _tag: "Stream"
      readonly stream: Stream.Stream<Uint8Array, unknown>
      readonly length: number | undefined
      readonly contentType: string | undefined
    }

const empty: PreparedBody = { _tag: "Empty" }

/**
 * Methods whose requests carry a body by convention, so an empty one is
 * announced with a zero content length.
 *
 * @internal
 */
export const expectsBody = (method: string): boolean =>
  method === "POST" || method === "PUT" || method === "PATCH"

/**
 * RFC 9110 §9.2.2: a method whose repetition has the same effect as one request.
 *
 * @internal
 */
export const isIdempotent = (method: string): boolean =>
  method === "GET" ||
  method === "HEAD" ||
  method === "OPTIONS" ||
  method === "TRACE" ||
  method === "PUT" ||
  method === "DELETE"

const encoder = new TextEncoder()

const fromWebStream = (body: ReadableStream<Uint8Array>) =>
  Stream.fromReadableStream(
    () => body,
    (cause) => cause
  )

/** @internal */
export const prepareBody = (body: HttpBody.HttpBody): PreparedBody | InvalidRequestError => {
  switch (body._tag) {
    case "Empty":
      return empty
    case "Uint8Array":
      return { _tag: "Bytes", bytes: body.body, contentType: body.contentType }
    case "Stream":
      return {
        _tag: "Stream",
        stream: body.stream,
        length: body.contentLength,
        contentType: body.contentType
      }
    case "FormData": {
      // The platform's Response knows how to encode multipart with a fresh boundary.
      const encoded = new Response(body.formData)
      const contentType = encoded.headers.get("content-type") ?? undefined
      return encoded.body === null
        ? { _tag: "Bytes", bytes: new Uint8Array(0), contentType }
        : { _tag: "Stream", stream: fromWebStream(encoded.body), length: undefined, contentType }
    }
    case "Raw":
      return prepareRaw(body.body, body.contentType, body.contentLength)
  }
}

const prepareRaw = (
  raw: unknown,
  contentType: string | undefined,
  contentLength: number | undefined
): PreparedBody | InvalidRequestError => {
  if (raw instanceof Uint8Array) return { _tag: "Bytes", bytes: raw, contentType }
  if (typeof raw === "string") return { _tag: "Bytes", bytes: encoder.encode(raw), contentType }
  if (raw instanceof ArrayBuffer) return { _tag: "Bytes", bytes: new Uint8Array(raw), contentType }
  if (raw instanceof ReadableStream) {
    return { _tag: "Stream", stream: fromWebStream(raw), length: contentLength, contentType }
  }
  if (raw instanceof Readable) {
    const stream = Stream.fromAsyncIterable(raw as AsyncIterable<Uint8Array>, (cause) => cause)
    return { _tag: "Stream", stream, length: contentLength, contentType }
  }
  return new InvalidRequestError({
    reason: "InvalidBody",
    detail: `unsupported raw body of type ${raw === null ? "null" : typeof raw}`
  })
}
