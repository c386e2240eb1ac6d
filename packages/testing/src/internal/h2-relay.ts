/**
 * A TCP relay in front of the HTTP/2 server, so a test can make a
 * connection go silent (no frame, no PONG) or vanish without GOAWAY, which
 * node's server cannot do on a socket its session owns.
 *
 * @internal
 */
import * as net from "node:net"
import type { Effect } from "effect"
import { Connections, listen } from "./lifecycle.js"

interface Pair {
  readonly client: net.Socket
  readonly backend: net.Socket
}

const discard = (): void => {}

/** @internal */
export class Relay {
  readonly connections = new Connections()
  readonly server: net.Server
  lastSocketError: Error | undefined = undefined
  readonly #pairs = new Set<Pair>()

  constructor(private readonly backendPort: number) {
    this.server = net.createServer((client) => this.#accept(client))
    this.connections.track(this.server)
  }

  listen(): Effect.Effect<number> {
    return listen(this.server)
  }

  #accept(client: net.Socket): void {
    const backend = net.connect({ port: this.backendPort, host: "127.0.0.1", noDelay: true })
    client.setNoDelay(true)
    const pair: Pair = { client, backend }
    this.#pairs.add(pair)
    const onError = (error: Error) => {
      this.lastSocketError = error
    }
    client.on("error", onError)
    backend.on("error", onError)
    const destroyBoth = () => {
      this.#pairs.delete(pair)
      client.destroy()
      backend.destroy()
    }
    client.once("close", destroyBoth)
    backend.once("close", destroyBoth)
    client.pipe(backend)
    backend.pipe(client)
  }

  /**
   * Every open connection stops answering: nothing more reaches the server
   * and nothing of the server's reaches the client. Client bytes are read and
   * dropped, so the client's own FIN or reset still ends the connection.
   */
  stall(): void {
    for (const { client, backend } of this.#pairs) {
      client.unpipe(backend)
      backend.unpipe(client)
      backend.pause()
      client.on("data", discard)
      client.once("end", () => client.destroy())
      client.resume()
    }
  }

  /** Every open connection is reset, with no GOAWAY or FIN: a peer that vanished. */
  drop(): void {
    for (const { client } of this.#pairs) client.resetAndDestroy()
  }

  shutdown(): Effect.Effect<void> {
    return this.connections.shutdown(this.server)
  }
}
