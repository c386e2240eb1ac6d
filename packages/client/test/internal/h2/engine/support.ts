/**
 * A loopback connection whose server end a test scripts frame by frame,
 * and our engine's session over its client end, driven through the
 * {@link SessionIo} face the connection uses.
 */
import * as net from "node:net"
import { Effect, type Scope } from "effect"
import type { RequestsError } from "../../../../src/Errors.js"
import { OwnSession } from "../../../../src/internal/h2/engine/own-session.js"
import type { SessionEvents, StreamEvents } from "../../../../src/internal/h2/engine/session-io.js"
import { type H2Options, resolveOptions } from "../../../../src/internal/h2/options.js"
import { DATA, frame, SETTINGS } from "../../../hostile/support.js"

export { DATA, HEADERS, RST_STREAM, SETTINGS } from "../../../hostile/support.js"

const PREFACE_LENGTH = 24
export const PING = 6
export const GOAWAY = 7
export const WINDOW_UPDATE = 8
export const ORIGIN = 12

export interface Frame {
  readonly type: number
  readonly flags: number
  readonly stream: number
  readonly payload: Buffer
}

/** What the session told its connection. */
export class Recorder implements SessionEvents {
  readonly endpointKey = "test"
  readonly errors: Array<unknown> = []
  readonly failures: Array<RequestsError> = []
  closed = 0
  remoteSettings(): void {}
  settingsAcknowledged(): void {}
  readonly originLists: Array<ReadonlyArray<string>> = []
  goaway(): void {}
  origins(origins: ReadonlyArray<string>): void {
    this.originLists.push(origins)
  }
  error(error: unknown): void {
    this.errors.push(error)
  }
  protocolFailure(error: RequestsError): void {
    this.failures.push(error)
  }
  sessionClosed(): void {
    this.closed++
  }
  now(): number {
    return 0
  }
}

export const streamEvents = (heads: Array<number> = []): StreamEvents => ({
  maxHeaderListSize: 64 * 1024,
  setHead: (head) => void heads.push(head.status),
  headTooLarge: () => {},
  interim: () => {},
  pushBody: () => {},
  complete: () => {},
  closed: () => {},
  fail: () => {},
  lastError: undefined,
  phase: "body"
})

/** The server's end of one connection: the frames it received, and a way to wait for one. */
export class Peer {
  readonly frames: Array<Frame> = []
  private buffer = Buffer.alloc(0)
  private prefaceSeen = false
  private readonly waiters = new Set<() => void>()
  ended = false

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      if (!this.prefaceSeen && this.buffer.length >= PREFACE_LENGTH) {
        this.buffer = this.buffer.subarray(PREFACE_LENGTH)
        this.prefaceSeen = true
      }
      while (this.prefaceSeen && this.buffer.length >= 9) {
        const length = this.buffer.readUIntBE(0, 3)
        if (this.buffer.length < 9 + length) break
        this.frames.push({
          type: this.buffer[3]!,
          flags: this.buffer[4]!,
          stream: this.buffer.readUInt32BE(5) & 0x7fffffff,
          payload: this.buffer.subarray(9, 9 + length)
        })
        this.buffer = this.buffer.subarray(9 + length)
      }
      this.notify()
    })
    socket.on("end", () => {
      this.ended = true
      this.notify()
    })
    socket.on("error", () => {})
  }

  private notify(): void {
    for (const waiter of this.waiters) waiter()
  }

  /** Waits until the frames received so far satisfy `done`. */
  until(done: (frames: ReadonlyArray<Frame>) => boolean): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const check = () => {
        if (!done(this.frames)) return
        this.waiters.delete(check)
        resume(Effect.void)
      }
      this.waiters.add(check)
      check()
      return Effect.sync(() => void this.waiters.delete(check))
    })
  }

  /** Waits until the client ended its side of the socket. */
  get endSeen(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const check = () => {
        if (!this.ended) return
        this.waiters.delete(check)
        resume(Effect.void)
      }
      this.waiters.add(check)
      check()
      return Effect.sync(() => void this.waiters.delete(check))
    })
  }

  send(...frames: Array<Buffer>): void {
    this.socket.write(Buffer.concat(frames))
  }

  count(type: number, flags = 0): number {
    return this.frames.filter((f) => f.type === type && f.flags === flags).length
  }
}

export const dataBytes = (peer: Peer): number =>
  peer.frames.reduce((n, f) => (f.type === DATA ? n + f.payload.length : n), 0)

export const settings = (...pairs: Array<[number, number]>): Buffer => {
  const payload = Buffer.alloc(6 * pairs.length)
  pairs.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i)
    payload.writeUInt32BE(value, 6 * i + 2)
  })
  return frame(SETTINGS, 0, 0, payload)
}

export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** A loopback connection: the client's socket, and the server's end of it. */
export const connection = Effect.acquireRelease(
  Effect.async<{ client: net.Socket; peer: Peer; server: net.Server }>((resume) => {
    const server = net.createServer()
    server.on("connection", (socket) => {
      const peer = new Peer(socket)
      resume(Effect.succeed({ client, peer, server }))
    })
    let client: net.Socket
    server.listen(0, "127.0.0.1", () => {
      client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1")
      client.on("error", () => {})
    })
  }),
  ({ client, peer, server }) =>
    Effect.async<void>((resume) => {
      client.destroy()
      peer.socket.destroy()
      server.close(() => resume(Effect.void))
    })
)

/** A session over a fresh loopback connection, once the server's SETTINGS is in. */
export const openSession = (
  options: H2Options = {},
  serverSettings: Buffer = settings()
): Effect.Effect<
  { session: OwnSession; peer: Peer; client: net.Socket; events: Recorder },
  never,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const { client, peer } = yield* connection
    const events = new Recorder()
    const session = new OwnSession(client, resolveOptions(options), events)
    // Our SETTINGS arrived; the server's, and its ACK of ours, follow.
    yield* peer.until((frames) => frames.some((f) => f.type === SETTINGS && f.flags === 0))
    peer.send(serverSettings, frame(SETTINGS, 1, 0, Buffer.alloc(0)))
    yield* peer.until((frames) => frames.some((f) => f.type === SETTINGS && f.flags === 1))
    return { session, peer, client, events }
  })

export const request = ["method", "GET", "scheme", "http", "authority", "test", "path", "/"].map((s, i) =>
  i % 2 === 0 ? `:${s}` : s
)

/** Answers a PING with its own payload, as a peer must. */
export const pingAck = (ping: Frame): Buffer => frame(PING, 1, 0, ping.payload)

/** A callback for `ping`, and its outcome once called. */
export const pingOutcome = () => {
  let onAck: (ok: boolean) => void = () => {}
  const outcome = Effect.async<boolean>((resume) => {
    onAck = (ok) => resume(Effect.succeed(ok))
  })
  return Effect.map(Effect.fork(outcome), (fiber) => ({ fiber, onAck: (ok: boolean) => onAck(ok) }))
}
