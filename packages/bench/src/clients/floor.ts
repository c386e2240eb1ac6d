import * as net from "node:net"
import { promiseLoop } from "./promise-loop.js"
import { UnexpectedResponse } from "./types.js"
import type { ClientAdapter, Target } from "./types.js"

const headerEnd = Buffer.from("\r\n\r\n")
const statusOk = Buffer.from("HTTP/1.1 200 ")
const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i

interface Pending {
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

/**
 * One keep-alive socket with one request in flight and just enough parsing to find the end of the
 * response: no header objects, no body copies. It is what every client pays at least, so nothing beats it.
 */
class RawConnection {
  private head: Buffer | undefined
  /** Body bytes still expected; -1 while the header block is incomplete. */
  private remaining = -1
  private pending: Pending | undefined
  private broken: Error | undefined

  private constructor(
    private readonly socket: net.Socket,
    private readonly requestBytes: Buffer
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("error", (error) => this.fail(error))
    socket.on("close", () => this.fail(new Error("connection closed by the server")))
  }

  static open(target: Target, requestBytes: Buffer): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port, noDelay: true })
      socket.once("error", reject)
      socket.once("connect", () => {
        socket.off("error", reject)
        resolve(new RawConnection(socket, requestBytes))
      })
    })
  }

  request(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.broken !== undefined) return reject(this.broken)
      this.pending = { resolve, reject }
      this.socket.write(this.requestBytes)
    })
  }

  close(): void {
    this.socket.removeAllListeners("close")
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    if (this.remaining >= 0) {
      this.remaining -= chunk.byteLength
    } else {
      const head = this.head === undefined ? chunk : Buffer.concat([this.head, chunk])
      const end = head.indexOf(headerEnd)
      if (end === -1) {
        this.head = head
        return
      }
      this.head = undefined
      if (head.compare(statusOk, 0, statusOk.byteLength, 0, statusOk.byteLength) !== 0) {
        return this.fail(new UnexpectedResponse(head.toString("latin1", 0, head.indexOf("\r\n"))))
      }
      const length = contentLength.exec(head.toString("latin1", 0, end))
      if (length?.[1] === undefined) return this.fail(new UnexpectedResponse("no content-length"))
      this.remaining = Number(length[1]) - (head.byteLength - end - headerEnd.byteLength)
    }
    if (this.remaining === 0) {
      this.remaining = -1
      const pending = this.pending
      this.pending = undefined
      pending?.resolve()
    } else if (this.remaining < 0) {
      this.fail(new UnexpectedResponse("more bytes than content-length"))
    }
  }

  private fail(error: Error): void {
    this.broken ??= error
    const pending = this.pending
    this.pending = undefined
    // With nothing waiting, the failure surfaces at the next request through `broken`.
    pending?.reject(error)
  }
}

export const adapter: ClientAdapter = {
  start: async (target) => {
    const requestBytes = Buffer.from(
      `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`
    )
    const connections = await Promise.all(
      Array.from({ length: target.concurrency }, () => RawConnection.open(target, requestBytes))
    )
    const request = (worker: number): Promise<void> => {
      const connection = connections[worker]
      if (connection === undefined) throw new Error(`no connection for worker ${worker}`)
      return connection.request()
    }
    return {
      run: promiseLoop(request),
      close: async () => connections.forEach((connection) => connection.close())
    }
  }
}
