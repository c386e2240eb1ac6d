import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { LeakCheck } from "../src/index.js"

const listening = Effect.acquireRelease(
  Effect.async<net.Server>((resume) => {
    const server = net.createServer((socket) => socket.resume())
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)

const connect = (server: net.Server) =>
  Effect.async<net.Socket>((resume) => {
    const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1", () =>
      resume(Effect.succeed(socket))
    )
  })

describe("LeakCheck", () => {
  it.scoped("passes once a closed socket's far end has closed too", () =>
    Effect.gen(function* () {
      const server = yield* listening
      const before = yield* LeakCheck.snapshot
      const socket = yield* connect(server)
      socket.destroy()
      yield* LeakCheck.assertNoLeaks(before)
    })
  )

  it.scoped("names the socket left open", () =>
    Effect.gen(function* () {
      const server = yield* listening
      const before = yield* LeakCheck.snapshot
      const socket = yield* connect(server)
      const exit = yield* Effect.exit(LeakCheck.assertNoLeaks(before, { settleMillis: 50 }))
      socket.destroy()
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toMatch(/TCPSocketWrap/)
    })
  )

  it.effect("counts a forgotten timer", () =>
    Effect.gen(function* () {
      const before = yield* LeakCheck.snapshot
      const timer = setTimeout(() => undefined, 60_000)
      const exit = yield* Effect.exit(LeakCheck.assertNoLeaks(before, { settleMillis: 20 }))
      clearTimeout(timer)
      expect(Exit.isFailure(exit)).toBe(true)
      yield* LeakCheck.assertNoLeaks(before)
    })
  )

  describe("fibers", () => {
    /** A housekeeping loop: under the TestClock its sleeps arm no Node timer. */
    const housekeeping = Effect.forever(Effect.sleep("1 second")).pipe(Effect.withSpan("housekeeping"))

    it.effect("names a daemon fiber left sleeping on the TestClock", () =>
      Effect.gen(function* () {
        const before = yield* LeakCheck.snapshot
        const fiber = yield* Effect.forkDaemon(housekeeping)
        const error = yield* Effect.flip(LeakCheck.assertNoLeaks(before, { settleMillis: 20 }))
        yield* Fiber.interrupt(fiber)
        const id = `#${fiber.id().id}`
        // Its sleeps armed no Node timer; the TestClock's own reminder may have armed one.
        expect(error.leaked.get("Fiber")).toBe(1)
        expect(error.fibers).toEqual([`${id} in span "housekeeping"`])
        expect(error.message).toContain(`1 × Fiber (${id} in span "housekeeping")`)
        yield* LeakCheck.assertNoLeaks(before)
      })
    )

    it.effect("around names a fiber the work forked and left running, parent or not", () =>
      Effect.gen(function* () {
        const forked: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
        const work = Effect.gen(function* () {
          forked.push(yield* Effect.fork(Effect.never))
          forked.push(yield* Effect.forkDaemon(Effect.never))
        })
        const error = yield* Effect.flip(LeakCheck.around(work, { settleMillis: 20 }))
        yield* Fiber.interruptAll(forked)
        // `Effect.never` holds the process open with a timer: those show up as well.
        expect(error.leaked.get("Fiber")).toBe(2)
        expect(new Set(error.fibers)).toEqual(new Set(forked.map((f) => `#${f.id().id}`)))
      })
    )

    it.effect("passes when the work stops what it started", () =>
      Effect.gen(function* () {
        yield* LeakCheck.around(Effect.scoped(Effect.forkScoped(housekeeping)))
        yield* LeakCheck.around(Effect.flatMap(Effect.fork(housekeeping), Fiber.interrupt))
        const before = yield* LeakCheck.snapshot
        yield* Fiber.interrupt(yield* Effect.forkDaemon(housekeeping))
        yield* LeakCheck.assertNoLeaks(before)
      })
    )

    it.effect("leaves fibers alone when the kinds leave them out", () =>
      Effect.gen(function* () {
        const before = yield* LeakCheck.snapshot
        const fiber = yield* Effect.forkDaemon(housekeeping)
        yield* LeakCheck.assertNoLeaks(before, { kinds: ["TCPSocketWrap", "Timeout"], settleMillis: 20 })
        yield* Fiber.interrupt(fiber)
      })
    )
  })
})
