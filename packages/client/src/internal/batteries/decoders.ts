/**
 * Streaming decoders for content codings, on node:zlib. Nothing is buffered
 * beyond zlib's own high-water marks: the compressed side is written only
 * as fast as the decoded side is pulled.
 */
import type { Transform } from "node:stream"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { lazyBuiltin } from "../lazy/modules.js"

// node:zlib takes milliseconds to load: it is loaded by the first compressed response.
const zlib = lazyBuiltin("node:zlib")

/** Makes a decoder, given the first bytes of the body (deflate tells its framing by them). */
type Create = (first: Uint8Array) => Transform

/** A content coding this runtime can undo. */
export interface Coding {
  readonly name: string
  readonly create: Create
}

/**
 * `deflate` is the zlib format (RFC 1950), but some servers send a bare
 * deflate stream, which user agents accept too. A zlib stream opens with a
 * method byte of 8 and a header whose 16 bits are a multiple of 31.
 */
const inflate: Create = (first) => {
  const zlibFramed =
    (first[0]! & 0x0f) === 8 && (first.length < 2 || ((first[0]! << 8) | first[1]!) % 31 === 0)
  return zlibFramed ? zlib().createInflate() : zlib().createInflateRaw()
}

/**
 * zstd decoding arrived in Node 22.15 / 23.8; older runtimes lack it. Told
 * by the version, so that the `Accept-Encoding` of a first request does not
 * load node:zlib.
 */
const hasZstd = ((): boolean => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  return major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15)
})()

const zstd: Create = (first) => {
  const module = zlib()
  if ("createZstdDecompress" in module && typeof module.createZstdDecompress === "function") {
    return (module.createZstdDecompress as Create)(first)
  }
  throw new Error("this runtime's node:zlib has no zstd decoder")
}

const decoders: ReadonlyMap<string, Create> = new Map<string, Create>([
  ["gzip", () => zlib().createGunzip()],
  ["x-gzip", () => zlib().createGunzip()],
  ["deflate", inflate],
  ["br", () => zlib().createBrotliDecompress()],
  ...(hasZstd ? [["zstd", zstd] as const] : [])
])

/** The `Accept-Encoding` the client sends: every coding this runtime decodes. */
export const acceptEncoding: string = hasZstd ? "gzip, deflate, br, zstd" : "gzip, deflate, br"

/**
 * The codings to undo for a `Content-Encoding` value, in the order to undo
 * them (last applied first); `undefined` when one is unknown, in which case
 * the body is passed on as it came, headers untouched.
 */
export const codingsToUndo = (contentEncoding: string): ReadonlyArray<Coding> | undefined => {
  const codings: Array<Coding> = []
  for (const part of contentEncoding.split(",")) {
    const name = part.trim().toLowerCase()
    if (name === "" || name === "identity") continue
    const create = decoders.get(name)
    if (create === undefined) return undefined
    codings.unshift({ name, create })
  }
  return codings
}

/** Writes one chunk, waiting for the decoder to drain when its buffer is full. */
const write = (decoder: Transform, chunk: Uint8Array): Effect.Effect<void> =>
  decoder.write(chunk)
    ? Effect.void
    : Effect.async<void>((resume) => {
        const drained = () => resume(Effect.void)
        decoder.once("drain", drained)
        decoder.once("close", drained)
        return Effect.sync(() => {
          decoder.off("drain", drained)
          decoder.off("close", drained)
        })
      })

/**
 * `source` decoded from `coding`. A failure of `source` fails the result
 * unchanged; a decoding failure fails it with `onError(cause)`. The decoder
 * is made on the first bytes; an empty body decodes to an empty body
 * (zlib would call it truncated).
 */
export const decode = <E>(
  coding: Coding,
  source: Stream.Stream<Uint8Array, E>,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      let decoder: Transform | undefined = undefined
      yield* Effect.addFinalizer(() => Effect.sync(() => decoder?.destroy()))
      const ready = yield* Deferred.make<Transform | undefined>()
      const failed = yield* Deferred.make<never, E>()
      yield* Stream.runForEach(source, (chunk) => {
        if (chunk.length === 0) return Effect.void
        if (decoder === undefined) {
          decoder = coding.create(chunk)
          Deferred.unsafeDone(ready, Exit.succeed(decoder))
        }
        return write(decoder, chunk)
      }).pipe(
        Effect.onExit((exit) => {
          if (Exit.isFailure(exit)) return Deferred.failCause(failed, exit.cause)
          if (decoder === undefined) return Deferred.succeed(ready, undefined)
          decoder.end()
          return Effect.void
        }),
        Effect.forkScoped
      )
      return Stream.unwrap(
        Effect.map(Deferred.await(ready), (decoder) =>
          decoder === undefined ? Stream.empty : Stream.fromAsyncIterable<Uint8Array, E>(decoder, onError)
        )
      ).pipe(Stream.interruptWhen(Deferred.await(failed)))
    })
  )
