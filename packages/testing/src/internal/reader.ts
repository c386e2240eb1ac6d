/**
 * Buffered reads over a socket for scripted servers: read up to a delimiter
 * or an exact byte count, leaving the rest buffered for the next read.
 *
 * @internal
 */
import type * as net from "node:net"
import * as Effect from "effect/Effect"

// Above this many unread bytes the socket is paused until a read asks for
// more, so a client uploading faster than the script reads cannot exhaust
// memory.
const HIGH_WATER_MARK = 1024 * 1024

/** @internal */
export class SocketReader {
  readonly #socket: net.Socket
  // Chunks are joined only when a read needs them contiguous, so a large
  // read costs one copy rather than one per chunk.
  #chunks: Array<Buffer> = []
  #length = 0
  #ended = false
  #error: Error | undefined
  #wake: (() => void) | undefined
  // Reads take turns: each one consumes from the front of the same buffer.
  readonly #turn = Effect.unsafeMakeSemaphore(1)

  constructor(socket: net.Socket) {
    this.#socket = socket
    socket.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk)
      this.#length += chunk.length
      this.#flow()
      this.#wake?.()
    })
    const finish = () => {
      this.#ended = true
      this.#wake?.()
    }
    socket.once("end", finish)
    socket.once("close", finish)
    socket.on("error", (error) => {
      this.#error = error
    })
  }

  /** Reads through the first `delimiter`, decoded as latin1 so each byte is one character. */
  readUntil(delimiter: string): Effect.Effect<string, Error> {
    const needle = Buffer.from(delimiter, "latin1")
    return this.#read(`${JSON.stringify(delimiter)} arrived`, () => {
      const at = this.#joined().indexOf(needle)
      return at === -1 ? undefined : this.#take(at + needle.length).toString("latin1")
    })
  }

  /** Reads exactly `n` bytes. */
  readBytes(n: number): Effect.Effect<Buffer, Error> {
    return this.#read(`${n} bytes arrived`, () => (this.#length >= n ? this.#take(n) : undefined))
  }

  #joined(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)]
    return this.#chunks[0] ?? Buffer.alloc(0)
  }

  #take(n: number): Buffer {
    const all = this.#joined()
    const rest = all.subarray(n)
    this.#chunks = rest.length === 0 ? [] : [rest]
    this.#length = rest.length
    this.#flow()
    return all.subarray(0, n)
  }

  #flow(): void {
    if (this.#length >= HIGH_WATER_MARK && this.#wake === undefined) this.#socket.pause()
    else this.#socket.resume()
  }

  #read<A>(what: string, attempt: () => A | undefined): Effect.Effect<A, Error> {
    return Effect.async<A, Error>((resume) => {
      const settle = (): boolean => {
        const result = attempt()
        if (result !== undefined) resume(Effect.succeed(result))
        else if (this.#ended)
          resume(
            Effect.fail(
              new Error(`connection closed before ${what} (${this.#length} bytes unread)`, {
                cause: this.#error
              })
            )
          )
        else return false
        return true
      }
      if (settle()) return
      this.#wake = () => {
        if (!settle()) return
        this.#wake = undefined
        this.#flow()
      }
      this.#flow()
      return Effect.sync(() => {
        this.#wake = undefined
        this.#flow()
      })
    }).pipe(this.#turn.withPermits(1))
  }
}
