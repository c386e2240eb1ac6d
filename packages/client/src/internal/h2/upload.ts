/**
 * The streamed request body of an HTTP/2 exchange: written under the
 * stream's flow control, checked against its declared length, and given up
 * when the response settles first.
 *
 * @internal
 */
import type { StreamIo } from "./engine/session-io.js"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidRequestError, RequestBodyError, type RequestsError } from "../../Errors.js"
import { CANCEL } from "./codes.js"

/** What the writer needs of the exchange it writes for. @internal */
export interface Uploading {
  readonly io: StreamIo | undefined
  readonly failure: RequestsError | undefined
  readonly done: boolean
  readonly endpointKey: string
  writing: boolean
  heard: boolean
  cancel(): void
  /** The writer stopped before the end, with the error that stopped it, or interrupted: the stream is cancelled. */
  writerStopped(error: RequestsError | undefined): void
}

/** Ends the body write loop early without an error: the exchange settled under it. */
class StopWriting {
  readonly _tag = "StopWriting"
}
const stopWriting = new StopWriting()
const isStop = (e: RequestsError | StopWriting): e is StopWriting => e === stopWriting

const lengthMismatch = (declared: number, written: number): InvalidRequestError =>
  new InvalidRequestError({
    reason: "InvalidBody",
    detail: `body stream produced ${written} bytes, content-length declared ${declared}`
  })

/**
 * Writes `body`, then ends our side. `length` is the declared
 * content-length, if any.
 *
 * @internal
 */
export const writeBody = (
  up: Uploading,
  body: Stream.Stream<Uint8Array, unknown>,
  length: number | undefined
): Effect.Effect<void, RequestsError> =>
  Effect.suspend(() => {
    up.writing = true
    let written = 0
    const writeChunk = (chunk: Uint8Array): Effect.Effect<void, RequestsError | StopWriting> => {
      const stream = up.io
      if (up.failure !== undefined) return Effect.fail(up.failure)
      if (stream === undefined || up.done || stream.closed) return Effect.fail(stopWriting)
      written += chunk.byteLength
      up.heard = true
      if (length !== undefined && written > length) return Effect.fail(lengthMismatch(length, written))
      if (chunk.byteLength === 0) return Effect.void
      return stream.write(chunk) ? Effect.void : stream.drained
    }
    return Stream.runForEach(
      Stream.mapError(body, (cause) => new RequestBodyError({ endpoint: up.endpointKey, cause })),
      writeChunk
    ).pipe(
      Effect.flatMap((): Effect.Effect<void, RequestsError | StopWriting> => {
        if (up.failure !== undefined) return Effect.fail(up.failure)
        if (length !== undefined && written !== length) return Effect.fail(lengthMismatch(length, written))
        up.writing = false
        const stream = up.io
        if (stream !== undefined && !stream.closed) stream.end()
        return Effect.void
      }),
      Effect.catchIf(isStop, () => {
        up.writing = false
        // The response ended while we were still sending: the rest is not wanted.
        const stream = up.io
        if (up.done && stream !== undefined && !stream.closed) stream.cancel(CANCEL)
        return Effect.void
      }),
      Effect.tapError((error) => Effect.sync(() => up.writerStopped(error))),
      Effect.onInterrupt(() => Effect.sync(() => up.writerStopped(undefined)))
    )
  })
