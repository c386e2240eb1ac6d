/**
 * Starting, tracking and stopping the loopback servers, shared by every
 * server module.
 *
 * @internal
 */
import type * as net from "node:net"
import * as Effect from "effect/Effect"
import { Counter } from "./counter.js"

/** @internal */
export const listen = (server: net.Server): Effect.Effect<number> =>
  Effect.async<number, Error>((resume) => {
    const onError = (error: Error) => resume(Effect.fail(error))
    server.once("error", onError)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", onError)
      const address = server.address()
      resume(
        typeof address === "object" && address !== null
          ? Effect.succeed(address.port)
          : Effect.fail(new Error(`unexpected server address ${String(address)}`))
      )
    })
  }).pipe(Effect.orDie)

/**
 * Every TCP connection a server accepted, so shutdown can destroy the ones a
 * graceful `close` would wait for forever.
 *
 * @internal
 */
export class Connections {
  readonly opened = new Counter()
  readonly closed = new Counter()
  readonly #sockets = new Set<net.Socket>()
  #peak = 0

  get open(): number {
    return this.opened.value - this.closed.value
  }

  get peak(): number {
    return this.#peak
  }

  /** Registers the server's raw 'connection' sockets (the TCP ones, also under TLS). */
  track(server: net.Server): void {
    server.on("connection", (socket: net.Socket) => {
      this.#sockets.add(socket)
      this.opened.increment()
      this.#peak = Math.max(this.#peak, this.open)
      socket.once("close", () => {
        this.#sockets.delete(socket)
        this.closed.increment()
      })
    })
  }

  /** Stops accepting, destroys every connection and waits until each has emitted 'close'. */
  shutdown(server: net.Server): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      // The callback runs once the server holds no connection, which
      // destroying the tracked sockets guarantees.
      server.close(() => resume(Effect.void))
      for (const socket of this.#sockets) socket.destroy()
    }).pipe(
      // The server forgets a socket before the socket emits 'close'; wait for
      // those events too so the counters are final once the scope is closed.
      Effect.zipRight(Effect.suspend(() => this.closed.await(this.opened.value)))
    )
  }
}
