import * as net from "node:net"
import * as tls from "node:tls"
import { UnexpectedResponse } from "./types.js"
import type { Origin, Target } from "./types.js"

const headerEnd = Buffer.from("\r\n\r\n")
const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i

interface Pending {
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

/**
 * One keep-alive connection with just enough parsing to find where each response ends: no header objects,
 * no body copies. Requests written ahead are answered in order (HTTP/1.1 pipelining), so the pending ones
 * are a queue. It is what every client pays at least, so nothing beats it.
 */
export class RawConnection {
  private readonly pending: Array<Pending> = []
  private head: Buffer | undefined
  /** Body bytes still expected; -1 while a header block is incomplete. */
  private remaining = -1
  private broken: Error | undefined

  private constructor(
    private readonly socket: net.Socket,
    private readonly statusLine: Buffer,
    /** 204 and 304 responses end with their head, whatever the headers say. */
    private readonly bodyless: boolean,
    private readonly onResponse: (connection: RawConnection) => void
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("error", (error) => this.fail(error))
    socket.on("close", () => this.fail(new Error("connection closed by the server")))
  }

  static open(
    target: Target,
    origin: Origin,
    onResponse: (connection: RawConnection) => void
  ): Promise<RawConnection> {
    const statusLine = Buffer.from(`HTTP/1.1 ${target.expectedStatus} `)
    const bodyless = target.expectedStatus === 204 || target.expectedStatus === 304
    return new Promise((resolve, reject) => {
      const secure = target.transport === "https"
      const socket = secure
        ? tls.connect({
            host: origin.host,
            port: origin.port,
            ALPNProtocols: ["http/1.1"],
            ...(target.ca === undefined ? {} : { ca: target.ca })
          })
        : net.connect({ host: origin.host, port: origin.port, noDelay: true })
      socket.once("error", reject)
      socket.once(secure ? "secureConnect" : "connect", () => {
        socket.off("error", reject)
        socket.setNoDelay(true)
        resolve(new RawConnection(socket, statusLine, bodyless, onResponse))
      })
    })
  }

  get inFlight(): number {
    return this.pending.length
  }

  /** Writes the request at once, even with others still unanswered on this connection. */
  send(head: Buffer, body: Buffer | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.broken !== undefined) return reject(this.broken)
      this.pending.push({ resolve, reject })
      this.socket.write(head)
      if (body !== undefined) this.socket.write(body)
    })
  }

  close(): void {
    this.socket.removeAllListeners("close")
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.byteLength) {
      if (this.remaining < 0) {
        const consumed = this.onHead(chunk, offset)
        if (consumed < 0) return
        offset = consumed
      }
      const take = Math.min(this.remaining, chunk.byteLength - offset)
      this.remaining -= take
      offset += take
      if (this.remaining === 0) this.complete()
    }
  }

  /** Returns the offset just past the header block, or -1 when the block is not complete yet. */
  private onHead(chunk: Buffer, offset: number): number {
    const carried = this.head?.byteLength ?? 0
    const head =
      this.head === undefined ? chunk.subarray(offset) : Buffer.concat([this.head, chunk.subarray(offset)])
    const end = head.indexOf(headerEnd)
    if (end === -1) {
      this.head = Buffer.from(head)
      return -1
    }
    this.head = undefined
    if (head.compare(this.statusLine, 0, this.statusLine.byteLength, 0, this.statusLine.byteLength) !== 0) {
      this.fail(new UnexpectedResponse(head.toString("latin1", 0, head.indexOf("\r\n"))))
      return -1
    }
    const length = this.bodyless ? ["", "0"] : contentLength.exec(head.toString("latin1", 0, end))
    if (length?.[1] === undefined) {
      this.fail(new UnexpectedResponse("no content-length"))
      return -1
    }
    this.remaining = Number(length[1])
    return offset + end + headerEnd.byteLength - carried
  }

  private complete(): void {
    this.remaining = -1
    this.pending.shift()?.resolve()
    this.onResponse(this)
  }

  private fail(error: Error): void {
    this.broken ??= error
    // With nothing waiting, the failure surfaces at the next request through `broken`.
    for (const pending of this.pending.splice(0)) pending.reject(error)
  }
}
