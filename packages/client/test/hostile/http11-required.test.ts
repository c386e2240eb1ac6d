/**
 * HTTP_1_1_REQUIRED from a server whose TLS offers only h2: the retry over
 * HTTP/1.1 fails its handshake, and the origin is not pinned to HTTP/1.1
 * for it; the next request asks the origin afresh.
 */
import * as http2 from "node:http2"
import type * as net from "node:net"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { TestCerts } from "@effect-requests/testing"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, withClient } from "./support.js"

const h2OnlyServer = Effect.acquireRelease(
  Effect.async<{ server: http2.Http2SecureServer; streams: { count: number }; sockets: Array<net.Socket> }>(
    (resume) => {
      const server = http2.createSecureServer({
        cert: TestCerts.leaf.cert,
        key: TestCerts.leaf.key,
        allowHTTP1: false
      })
      const streams = { count: 0 }
      const sockets: Array<net.Socket> = []
      server.on("connection", (socket: net.Socket) => sockets.push(socket))
      server.on("tlsClientError", () => {})
      server.on("stream", (stream) => {
        streams.count++
        stream.on("error", () => {})
        stream.close(http2.constants.NGHTTP2_HTTP_1_1_REQUIRED)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, streams, sockets })))
    }
  ),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
)

describe("HTTP_1_1_REQUIRED from an h2-only TLS server", () => {
  it.scoped("the failed HTTP/1.1 handshake unpins the origin: the next request speaks h2 again", () =>
    Effect.gen(function* () {
      const { server, streams } = yield* h2OnlyServer
      const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/`
      yield* withClient(
        { tls: { ca: TestCerts.ca } },
        Effect.gen(function* () {
          const first = causeOf(yield* Effect.flip(HttpClient.get(url))) as RequestsError
          expect(first._tag).toBe("TlsError")
          expect(streams.count).toBe(1)
          yield* Effect.flip(HttpClient.get(url))
          expect(streams.count).toBe(2)
        })
      )
    })
  )
})
