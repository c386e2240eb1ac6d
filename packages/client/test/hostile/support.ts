/**
 * Pieces the hostile-server tests share: a client built and closed around
 * each case with a leak check after it, and an HTTP/2 server on loopback
 * whose streams a test scripts through node's own hooks.
 */
import * as http2 from "node:http2"
import type * as net from "node:net"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { LeakCheck } from "@effect-requests/testing"
import { Effect, Exit, type Scope } from "effect"
import * as Requests from "../../src/Requests.js"

/**
 * Runs `body` against a client built for it alone, closes the client, then
 * asserts that neither socket nor fiber outlived it. The batteries are off
 * unless a case turns them on: these cases are about the transport, and a
 * retry would only repeat the fault under test.
 */
export const withClient = <A, E>(
  options: Requests.Options,
  body: Effect.Effect<A, E, HttpClient.HttpClient | Requests.Requests>
): Effect.Effect<A, E | LeakCheck.LeakError> =>
  Effect.gen(function* () {
    const baseline = yield* LeakCheck.snapshot
    const result = yield* Effect.provide(body, Requests.layer({ batteries: false, ...options }))
    yield* LeakCheck.assertNoLeaks(baseline)
    return result
  })

/** The effect-requests error under a platform error, or the error itself. */
export const causeOf = (error: unknown): unknown =>
  error instanceof HttpClientError.ResponseError || error instanceof HttpClientError.RequestError
    ? error.cause
    : error

/** An h2c server whose streams `onStream` answers; every socket is destroyed with the scope. */
export interface H2Server {
  readonly url: string
  readonly sockets: ReadonlyArray<net.Socket>
}

export const h2Server = (
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, index: number) => void
): Effect.Effect<H2Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: http2.Http2Server; sockets: Array<net.Socket> }>((resume) => {
      const server = http2.createServer()
      const sockets: Array<net.Socket> = []
      let index = 0
      server.on("connection", (socket: net.Socket) => sockets.push(socket))
      server.on("stream", (stream, headers) => {
        // A stream the client resets must not take the test server down.
        stream.on("error", () => {})
        onStream(stream, headers, index++)
      })
      server.on("sessionError", () => {})
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(
    Effect.map(({ server, sockets }) => {
      const address = server.address() as net.AddressInfo
      return { url: `http://127.0.0.1:${address.port}`, sockets }
    })
  )

/** Whether the exit failed with an effect-requests error of this tag. */
export const failedWith = (exit: Exit.Exit<unknown, unknown>, tag: string): boolean =>
  Exit.isFailure(exit) &&
  exit.cause._tag === "Fail" &&
  (causeOf(exit.cause.error) as { readonly _tag?: string } | undefined)?._tag === tag

/** HTTP/2 frame types and flags the scripted servers write (RFC 9113 §6). */
export const DATA = 0x0
export const HEADERS = 0x1
export const RST_STREAM = 0x3
export const SETTINGS = 0x4
export const END_STREAM = 0x1
export const END_HEADERS = 0x4
/** HPACK: ":status: 200" from the static table. */
export const STATUS_200 = Buffer.from([0x88])

/** An HTTP/2 frame as bytes: the 9-byte header, then the payload. */
export const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(stream, 5)
  return Buffer.concat([head, payload])
}
