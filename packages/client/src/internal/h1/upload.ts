/**
 * The streamed request body of an HTTP/1.1 exchange: written as the socket
 * accepts it (Content-Length framed, or chunked), checked against its
 * declared length, and given up when the response settles first.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidRequestError, RequestBodyError, type RequestsError } from "../../Errors.js"
import type { H1Connection } from "./connection.js"
import type { PendingResponse } from "./pending-response.js"
import { chunkHeader, CRLF, LAST_CHUNK } from "./request-serializer.js"

const lengthMismatch = (declared: number, written: number): InvalidRequestError =>
  new InvalidRequestError({
    reason: "InvalidBody",
    detail: `body stream produced ${written} bytes, Content-Length declared ${declared}`
  })

/** Waits until the socket drains, or closes (the exchange's failure, if any, is then reported). */
const drained = (connection: H1Connection, exchange: PendingResponse): Effect.Effect<void, RequestsError> =>
  Effect.async<void, RequestsError>((resume) => {
    const socket = connection.socket
    const onDrain = () => {
      connection.heard = true
      socket.off("close", onClose)
      resume(Effect.void)
    }
    const onClose = () => {
      socket.off("drain", onDrain)
      // A response may already have settled the exchange; the failure, if any, is reported there.
      resume(exchange.failure ? Effect.fail(exchange.failure) : Effect.void)
    }
    socket.once("drain", onDrain)
    socket.once("close", onClose)
    return Effect.sync(() => {
      socket.off("drain", onDrain)
      socket.off("close", onClose)
    })
  })

/**
 * Writes `body` after the head already written for `exchange`. `length` is
 * the declared Content-Length, or `undefined` for chunked encoding. A
 * failure or an interruption gives the exchange (and so the connection) up:
 * the server would wait for the rest forever.
 *
 * @internal
 */
export const writeStreamed = <E>(
  connection: H1Connection,
  exchange: PendingResponse,
  body: Stream.Stream<Uint8Array, E>,
  length: number | undefined
): Effect.Effect<void, RequestsError> => {
  const socket = connection.socket
  let written = 0
  const writeChunk = (chunk: Uint8Array): Effect.Effect<void, RequestsError> => {
    if (exchange.settled) return Effect.void
    connection.heard = true
    written += chunk.byteLength
    if (length !== undefined && written > length) return Effect.fail(lengthMismatch(length, written))
    if (chunk.byteLength === 0) return Effect.void
    let flushed: boolean
    if (length === undefined) {
      socket.cork()
      socket.write(chunkHeader(chunk.byteLength))
      socket.write(chunk)
      flushed = socket.write(CRLF)
      socket.uncork()
    } else {
      flushed = socket.write(chunk)
    }
    return flushed ? Effect.void : drained(connection, exchange)
  }
  return Stream.runForEach(
    Stream.mapError(body, (cause) => new RequestBodyError({ endpoint: connection.endpoint.key, cause })),
    writeChunk
  ).pipe(
    Effect.flatMap(() => {
      if (exchange.settled) return Effect.void
      if (length !== undefined && written !== length) return Effect.fail(lengthMismatch(length, written))
      if (length === undefined) socket.write(LAST_CHUNK)
      connection.uploaded()
      return Effect.void
    }),
    Effect.tapError(() => Effect.sync(() => connection.abandon(exchange))),
    Effect.onInterrupt(() => Effect.sync(() => connection.abandon(exchange)))
  )
}
