/**
 * The HTTP/1.1 side of `FaultServer`, over TLS (ALPN `http/1.1`) or plain
 * TCP: answers each request, or carries out the fault drawn for it.
 *
 * - `closeAfterResponse`: the socket is ended right after the answer, with
 *   no `connection: close` to warn the client, which may already have
 *   written its next request.
 * - `closeWhenIdle`: a moment after the answer, the socket is destroyed if
 *   no request came meanwhile, as a server's keep-alive timer would; bytes
 *   of a request still unread are dropped with it.
 * - `truncateBody`: the head promises the whole body, part of it follows,
 *   then the socket is destroyed.
 * - `delayHeaders`: the answer goes out after a short delay.
 * - `earlyResponse`: a request with a body is processed and answered on its
 *   head, before its body is read. Below `cutAt` 0.5 the answer says
 *   `connection: close` and the server closes once it is out, as node does;
 *   from 0.5 it keeps the connection and reads the rest of the body. A
 *   request without a body gets the plain answer.
 *
 * A request that arrives on a socket the server decided to close is dropped
 * unprocessed with the socket.
 *
 * @internal
 */
import type * as http from "node:http"
import type * as net from "node:net"
import { cutLength, type Encoded, encode } from "./fault-answer.js"
import { type FaultContext, INTERIM_FLOOD, requestIdOf } from "./fault-context.js"

interface SocketState {
  /** Requests that reached the handler on this socket. */
  requests: number
  /** A close was decided: whatever arrives from now on is dropped unprocessed. */
  closing: boolean
}

/** @internal */
export const h1Handler = (context: FaultContext): http.RequestListener => {
  const { ledger, plan, timers } = context
  const sockets = new WeakMap<net.Socket, SocketState>()

  const stateOf = (socket: net.Socket): SocketState => {
    let state = sockets.get(socket)
    if (state === undefined) {
      state = { requests: 0, closing: false }
      sockets.set(socket, state)
      socket.on("error", ledger.recordError)
    }
    return state
  }

  const send = (res: http.ServerResponse, answer: Encoded): void => {
    if (res.destroyed) return
    res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.byteLength })
    res.end(answer.body)
  }

  /** Processes and answers a request on its head; `false` when there is no body to answer before. */
  const answerEarly = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string | undefined,
    close: boolean
  ): boolean => {
    const length = req.headers["content-length"]
    const declared = length === undefined ? 0 : Number(length)
    if (declared === 0 && req.headers["transfer-encoding"] === undefined) return false
    ledger.process(requestId, "http/1.1")
    ledger.inject("earlyResponse")
    req.on("error", ledger.recordError)
    res.once("finish", () => ledger.answer(requestId))
    const answer = encode(
      context.answer({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        requestId,
        protocol: "http/1.1",
        body: Buffer.alloc(0),
        bodyLength: Number.isSafeInteger(declared) ? declared : 0,
        early: true
      })
    )
    // Node reads and drops the rest of the body once the answer is out, and with `connection: close` then closes.
    res.writeHead(answer.status, {
      ...answer.headers,
      "content-length": answer.body.byteLength,
      ...(close ? { connection: "close" } : {})
    })
    res.end(answer.body)
    return true
  }

  return (req, res) => {
    const socket = req.socket
    const state = stateOf(socket)
    if (state.closing) {
      // Pipelined behind the answer the socket closes after, or written as it closed: never processed.
      req.resume()
      if (socket.writableEnded) socket.destroy()
      return
    }
    state.requests++
    const requestId = requestIdOf(req.headers["x-request-id"])
    ledger.arrive("http/1.1")
    const decision = plan.decide(requestId, "http/1.1")
    // Decided now, so a request pipelined behind this one is not processed either.
    if (decision.fault === "closeAfterResponse") state.closing = true
    if (decision.fault === "earlyResponse") {
      const close = decision.cutAt < 0.5
      try {
        if (answerEarly(req, res, requestId, close)) {
          if (close) state.closing = true
          return
        }
      } catch (error) {
        ledger.recordError(error)
        return void socket.destroy()
      }
    }
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("error", ledger.recordError)
    res.once("finish", () => ledger.answer(requestId))
    req.once("end", () => {
      // The client went away with the request: it was never processed.
      if (socket.destroyed) return
      ledger.process(requestId, "http/1.1")
      let answer: Encoded
      const body = Buffer.concat(chunks)
      try {
        answer = encode(
          context.answer({
            method: req.method ?? "GET",
            path: req.url ?? "/",
            requestId,
            protocol: "http/1.1",
            body,
            bodyLength: body.byteLength,
            early: false
          })
        )
      } catch (error) {
        ledger.recordError(error)
        socket.destroy()
        return
      }
      switch (decision.fault) {
        case "delayHeaders":
          ledger.inject("delayHeaders")
          return timers.after(decision.delayMillis, socket, () => send(res, answer))
        case "truncateBody": {
          ledger.inject("truncateBody")
          res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.byteLength })
          res.flushHeaders()
          return void res.write(
            answer.body.subarray(0, cutLength(answer.body.byteLength, decision.cutAt)),
            () => socket.destroy()
          )
        }
        case "interimFlood":
          ledger.inject("interimFlood")
          for (let i = 0; i < INTERIM_FLOOD && !socket.destroyed; i++) {
            res.writeEarlyHints({ link: "</style.css>; rel=preload" })
          }
          return send(res, answer)
        case "closeAfterResponse":
          res.once("finish", () => {
            ledger.inject("closeAfterResponse")
            socket.end()
          })
          return send(res, answer)
        case "closeWhenIdle":
          res.once("finish", () => {
            const seen = state.requests
            timers.after(decision.delayMillis, socket, () => {
              if (state.requests !== seen || socket.destroyed) return
              ledger.inject("closeWhenIdle")
              state.closing = true
              socket.destroy()
            })
          })
          return send(res, answer)
        default:
          return send(res, answer)
      }
    })
  }
}
