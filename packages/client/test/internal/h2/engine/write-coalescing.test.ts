/**
 * Our engine writes what every stream queued in one turn of the event loop
 * as one batch: requests started together leave in one write, not one
 * write each.
 */
import { Http2TestServer } from "@effect-requests/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Dialer } from "../../../../src/Dialer.js"
import { dialerLayer, fetchText, poolLayer } from "../support.js"

/** Counts the batches written on every socket the dialer opens: a write outside a cork, or an uncork. */
const countingDialer = (counter: { batches: number }) =>
  Layer.effect(
    Dialer,
    Effect.map(Dialer, (dialer) => ({
      ...dialer,
      dial: (...args: Parameters<typeof dialer.dial>) =>
        Effect.tap(dialer.dial(...args), ({ socket }) =>
          Effect.sync(() => {
            const write = socket.write.bind(socket) as (...a: Array<unknown>) => boolean
            const uncork = socket.uncork.bind(socket)
            socket.write = ((...a: Array<unknown>) => {
              if (socket.writableCorked === 0) counter.batches++
              return write(...a)
            }) as typeof socket.write
            socket.uncork = () => {
              if (socket.writableCorked === 1) counter.batches++
              uncork()
            }
          })
        )
    }))
  ).pipe(Layer.provide(dialerLayer))

describe("our HTTP/2 engine's writes", () => {
  const counter = { batches: 0 }
  it.scoped("20 requests started together leave in one batch", () =>
    Effect.gen(function* () {
      const server = yield* Http2TestServer.make()
      expect(yield* fetchText(`${server.url}/`)).toBeDefined()
      counter.batches = 0
      const bodies = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => fetchText(`${server.url}/r${i}`)),
        { concurrency: "unbounded" }
      )
      expect(bodies).toHaveLength(20)
      // Their HEADERS, and nothing else: 1 KiB bodies move no window far enough for a WINDOW_UPDATE.
      expect(counter.batches).toBe(1)
    }).pipe(Effect.provide(poolLayer({}, countingDialer(counter))))
  )
})
