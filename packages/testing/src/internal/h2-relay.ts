/**
 * A TCP relay in front of the HTTP/2 server, so a test can make a
 * connection go silent (no frame, no PONG) or vanish without GOAWAY, which
 * node's server cannot do on a socket its session owns.
 *
 * @internal
 */
import * as net from "node:net"
import type * as Effect from "effect/Effect"
import { Connections, listen } from "./lifecycle.js"

interface Pair {
  readonly client: net.Socket
  readonly backend: net.Socket
}

const discard = (): void => {}

const stallPair = ({ client, backend }: Pair): void => {
  client.unpipe(backend)
  backend.unpipe(client)
  backend.pause()
  client.on("data", discard)
  client.once("end", () => client.destroy())
  client.resume()
}

/** @internal */
export class Relay {
  readonly connections = new Connections()
  readonly server: net.Server
  lastSocketError: Error | undefined = undefined
  readonly #pairs = new Set<Pair>()

  constructor(
    private readonly backendPort: number,
    /**
     * Told the relay's own port towards the server (the `remotePort` the server
     * sees) once a client has left, for a server that stopped reading and
     * would not notice.
     */
    private readonly onClosed?: (backendLocalPort: number) => void
  ) {
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
    let backendLocalPort: number | undefined = undefined
    backend.once("connect", () => {
      backendLocalPort = backend.localPort
    })
    const destroyBoth = () => {
      if (!this.#pairs.delete(pair)) return
      client.destroy()
      backend.destroy()
      if (backendLocalPort !== undefined) this.onClosed?.(backendLocalPort)
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
    for (const pair of this.#pairs) stallPair(pair)
  }

  /**
   * Stalls the one connection whose server side sees the relay at
   * `backendPort` (the `remotePort` of the socket the server accepted).
   * Returns whether it was still open.
   */
  stallConnection(backendPort: number): boolean {
    for (const pair of this.#pairs) {
      if (pair.backend.localPort === backendPort) {
        stallPair(pair)
        return true
      }
    }
    return false
  }

  /** Every open connection is reset, with no GOAWAY or FIN: a peer that vanished. */
  drop(): void {
    for (const { client } of this.#pairs) client.resetAndDestroy()
  }

  shutdown(): Effect.Effect<void> {
    return this.connections.shutdown(this.server)
  }
}
