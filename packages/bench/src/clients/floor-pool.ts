import { RawConnection } from "./floor-connection.js"
import type { Origin, Target } from "./types.js"

interface Waiting {
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * The floor's connections to one origin: at most `connections` of them, each carrying up to `pipelining`
 * requests at once. A request takes the most recently used connection with room, else opens one, else
 * waits for room; that is the least a pool can do.
 */
export class FloorPool {
  private readonly all: Array<RawConnection> = []
  /** Exactly the connections with fewer than `pipelining` requests in flight; the last is used first. */
  private readonly withRoom: Array<RawConnection> = []
  private readonly waiting: Array<Waiting> = []
  private opening = 0
  private readonly head: Buffer

  constructor(
    private readonly target: Target,
    private readonly origin: Origin,
    private readonly body: Buffer | undefined
  ) {
    const length = body === undefined ? "" : `Content-Length: ${body.byteLength}\r\n`
    this.head = Buffer.from(
      `${target.method} ${target.path} HTTP/1.1\r\nHost: ${origin.host}:${origin.port}\r\n${length}\r\n`
    )
  }

  request(): Promise<void> {
    const connection = this.withRoom.at(-1)
    if (connection !== undefined) return this.sendOn(connection)
    if (this.all.length + this.opening < this.target.connections) return this.openAndSend()
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  close(): void {
    for (const connection of this.all) connection.close()
  }

  /** Sends on the last connection with room (or a new one), which leaves that list once full. */
  private sendOn(connection: RawConnection): Promise<void> {
    const sent = connection.send(this.head, this.body)
    if (connection.inFlight === this.target.pipelining && this.withRoom.at(-1) === connection) {
      this.withRoom.pop()
    }
    return sent
  }

  private async openAndSend(): Promise<void> {
    this.opening++
    const connection = await RawConnection.open(this.target, this.origin, (done) =>
      this.onResponse(done)
    ).finally(() => this.opening--)
    this.all.push(connection)
    this.withRoom.push(connection)
    const sent = this.sendOn(connection)
    this.serveWaiting()
    return sent
  }

  /** A connection that was full has room again. */
  private onResponse(connection: RawConnection): void {
    if (connection.inFlight === this.target.pipelining - 1) this.withRoom.push(connection)
    this.serveWaiting()
  }

  private serveWaiting(): void {
    for (;;) {
      const connection = this.withRoom.at(-1)
      if (connection === undefined) return
      const waiter = this.waiting.shift()
      if (waiter === undefined) return
      this.sendOn(connection).then(waiter.resolve, waiter.reject)
    }
  }
}
