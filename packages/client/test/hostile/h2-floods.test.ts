/**
 * HTTP/2 peers the engine cuts off. Our engine fails the request with a
 * ProtocolError naming the rule the server broke; node's with a
 * ClosedError whose cause says why. Either way the pool goes on.
 */
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { RawServer } from "@effect-requests/testing"
import { Effect } from "effect"
import type { RequestsError } from "../../src/Errors.js"
import { causeOf, frame, withClient } from "./support.js"

const HEADERS = 0x1
const SETTINGS = 0x4
const PING = 0x6
const CONTINUATION = 0x9

/** Answers each request with HEADERS(":status: 200", END_STREAM): 0x88 is its HPACK static index. */
const answerEveryStream = (conn: RawServer.RawConnection): Effect.Effect<void, Error> =>
  Effect.gen(function* () {
    for (;;) {
      const head = yield* conn.readBytes(9)
      const length = head.readUIntBE(0, 3)
      if (length > 0) yield* conn.readBytes(length)
      if (head[3] === HEADERS) {
        yield* conn.write(frame(HEADERS, 0x5, head.readUInt32BE(5) & 0x7fffffff, Buffer.from([0x88])))
      }
    }
  })

describe("HTTP/2 floods", () => {
  const floods: ReadonlyArray<
    readonly [string, string, (conn: RawServer.RawConnection) => Effect.Effect<void, Error>]
  > = [
    [
      "a PING flood",
      "PingFlood",
      (conn) =>
        Effect.gen(function* () {
          yield* conn.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)))
          yield* conn.write(
            Buffer.concat(Array.from({ length: 20_000 }, () => frame(PING, 0, 0, Buffer.alloc(8))))
          )
        })
    ],
    [
      "HEADERS before SETTINGS",
      "MissingServerPreface",
      (conn) => conn.write(frame(HEADERS, 0x5, 1, Buffer.from([0x88])))
    ],
    [
      "a CONTINUATION flood",
      "ContinuationFlood",
      (conn) =>
        Effect.gen(function* () {
          yield* conn.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)))
          yield* conn.readBytes(9)
          // HEADERS without END_HEADERS, then CONTINUATIONs that never end the block.
          const block = frame(HEADERS, 0, 1, Buffer.from([0x88]))
          const continuations = Array.from({ length: 20_000 }, () =>
            frame(CONTINUATION, 0, 1, Buffer.from([0x40, 1, 0x78, 1, 0x79]))
          )
          yield* conn.write(Buffer.concat([block, ...continuations]))
        })
    ]
  ]

  /** A server whose first connection attacks, and whose later ones answer every request. */
  const attacked = (attack: (conn: RawServer.RawConnection) => Effect.Effect<void, Error>) => {
    let first = true
    return RawServer.make((conn) =>
      Effect.gen(function* () {
        yield* conn.readBytes(24)
        if (!first) {
          yield* conn.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)))
          return yield* answerEveryStream(conn)
        }
        first = false
        yield* attack(conn)
        yield* conn.closed
      })
    )
  }

  for (const [name, reason, attack] of floods) {
    it.scoped(`${name}: our engine ends the connection with a ProtocolError naming it (${reason})`, () =>
      Effect.gen(function* () {
        const server = yield* attacked(attack)
        yield* withClient(
          { protocol: "h2c" },
          Effect.gen(function* () {
            const error = causeOf(yield* Effect.flip(HttpClient.get(`${server.url}/`))) as RequestsError
            expect(error).toMatchObject({ _tag: "ProtocolError", protocol: "h2", reason })
            expect((yield* HttpClient.get(`${server.url}/`)).status).toBe(200)
          })
        )
      })
    )

    it.scoped(`${name}: node ends the session, the error says why from the client's side`, () =>
      Effect.gen(function* () {
        const server = yield* attacked(attack)
        yield* withClient(
          { protocol: "h2c", h2: { engine: "node" } },
          Effect.gen(function* () {
            const error = causeOf(yield* Effect.flip(HttpClient.get(`${server.url}/`))) as RequestsError
            expect(error._tag).toBe("ClosedError")
            expect(error).toMatchObject({ cause: { code: expect.stringMatching(/^ERR_HTTP2/) } })
            expect(error.message).toMatch(/closed by the client during \w+ \(before any response byte\): ./)
            expect((yield* HttpClient.get(`${server.url}/`)).status).toBe(200)
          })
        )
      })
    )
  }
})
