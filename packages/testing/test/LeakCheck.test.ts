import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
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
})
