import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { Duplex } from "node:stream"
import { memoryGrowth } from "../../helpers.js"
import { client, server } from "./support.js"

const MiB = 1024 * 1024
const TOTAL = 100 * MiB

/** Writes `total` bytes in 1 MiB chunks, waiting for 'drain' whenever the stream asks. */
const writeAll = (duplex: Duplex, total: number, sample: Effect.Effect<void>) =>
  Effect.gen(function* () {
    const chunk = Buffer.alloc(MiB, 0x61)
    for (let sent = 0; sent < total; sent += MiB) {
      yield* sample
      if (!duplex.write(chunk)) {
        yield* Effect.async<void>((resume) => {
          duplex.once("drain", () => resume(Effect.void))
        })
      }
    }
    duplex.end()
  })

/** Reads one chunk per event-loop turn, far slower than the writer; counts bytes. */
const readSlowly = (duplex: Duplex) =>
  Effect.async<number, Error>((resume) => {
    let received = 0
    duplex.on("data", (chunk: Buffer) => {
      received += chunk.length
      duplex.pause()
      setImmediate(() => duplex.resume())
    })
    duplex.once("end", () => resume(Effect.succeed(received)))
    duplex.once("error", (error) => resume(Effect.fail(error)))
  })

describe("StreamPool backpressure", () => {
  it.scopedLive(
    "100 MiB to a slow reader through a pooled stream keep memory bounded",
    () =>
      Effect.gen(function* () {
        const s = yield* server()
        const c = yield* client(s.address.port)
        const incoming = yield* s.incoming("5 seconds")
        const outgoing = yield* c.get(incoming.id, "5 seconds")
        const { sample, peakGrowth } = memoryGrowth()
        const reading = yield* Effect.fork(readSlowly(outgoing.duplex))
        yield* writeAll(incoming.duplex, TOTAL, sample)
        expect(yield* Fiber.join(reading)).toBe(TOTAL)
        // The writer never ran ahead of HTTP/2 flow control by more than a window and a chunk.
        expect(peakGrowth()).toBeLessThan(48 * MiB)
      }),
    120_000
  )
})
