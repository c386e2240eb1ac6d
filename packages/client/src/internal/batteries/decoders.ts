/**
 * Streaming decoders for content codings, on node:zlib. Nothing is buffered
 * beyond zlib's own high-water marks: the compressed side is written only
 * as fast as the decoded side is pulled.
 */
import type { Transform } from "node:stream"
import * as zlib from "node:zlib"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"

type Create = () => Transform

/** A content coding this runtime can undo. */
export interface Coding {
  readonly name: string
  readonly create: Create
}

// zstd decoding arrived in Node 22.15 / 23.8; older runtimes lack it.
const zstd: Create | undefined =
  "createZstdDecompress" in zlib && typeof zlib.createZstdDecompress === "function"
    ? (zlib.createZstdDecompress as Create)
    : undefined

const decoders: ReadonlyMap<string, Create> = new Map<string, Create>([
  ["gzip", () => zlib.createGunzip()],
  ["x-gzip", () => zlib.createGunzip()],
  ["deflate", () => zlib.createInflate()],
  ["br", () => zlib.createBrotliDecompress()],
  ...(zstd === undefined ? [] : [["zstd", zstd] as const])
])

/** The `Accept-Encoding` the client sends: every coding this runtime decodes. */
export const acceptEncoding: string = zstd === undefined ? "gzip, deflate, br" : "gzip, deflate, br, zstd"

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
 * unchanged; a decoding failure fails it with `onError(cause)`.
 */
export const decode = <E>(
  coding: Coding,
  source: Stream.Stream<Uint8Array, E>,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const decoder = yield* Effect.acquireRelease(Effect.sync(coding.create), (decoder) =>
        Effect.sync(() => decoder.destroy())
      )
      const failed = yield* Deferred.make<never, E>()
      let written = 0
      yield* Stream.runForEach(source, (chunk) => {
        written += chunk.length
        return write(decoder, chunk)
      }).pipe(
        Effect.onExit((exit) =>
          Exit.isSuccess(exit)
            ? Effect.sync(() => {
                // zlib reports an empty input as truncated; an empty body
                // decodes to an empty body, so the output is ended as is.
                if (written === 0) decoder.push(null)
                else decoder.end()
              })
            : Deferred.failCause(failed, exit.cause)
        ),
        Effect.forkScoped
      )
      return Stream.fromAsyncIterable<Uint8Array, E>(decoder, onError).pipe(
        Stream.interruptWhen(Deferred.await(failed))
      )
    })
  )
