/**
 * The HTTP/2 side of `FaultServer`: answers each stream, or carries out the
 * fault drawn for it.
 *
 * Before processing (the request is not recorded as processed):
 * - `refuseStream`: RST_STREAM(REFUSED_STREAM).
 * - `goaway`: GOAWAY(NO_ERROR) whose last stream id is the highest stream
 *   that reached the handler before this one (this one, answered, when it is
 *   the session's first), so this stream and any the
 *   client opened meanwhile are left unprocessed (nghttp2 closes them once
 *   the GOAWAY is sent); streams at or below it are answered as usual. The
 *   session then stops reading, as nghttp2 does after a GOAWAY once its
 *   streams are done: the server closes the connection when the relay sees
 *   the client leave.
 *
 * After processing:
 * - `resetStream`: RST_STREAM(INTERNAL_ERROR) instead of an answer.
 * - `stall`: the connection goes silent in both directions, below the
 *   session, so not even PINGs are acknowledged.
 * - `truncateBody`: the head promises the whole body, part of it follows,
 *   then RST_STREAM(INTERNAL_ERROR).
 * - `delayHeaders`: the answer goes out after a short delay.
 * - `earlyResponse`: a request with a body is processed and answered on its
 *   HEADERS, before its body is read. Below `cutAt` 0.5, RST_STREAM(NO_ERROR)
 *   follows the answer's END_STREAM, asking the client to stop sending (RFC
 *   9113 §8.1); from 0.5 the server reads on. A request without a body gets
 *   the plain answer.
 *
 * @internal
 */
import * as http2 from "node:http2"
import { cutLength, type Encoded, encode } from "./fault-answer.js"
import { INTERIM_FLOOD } from "./fault-context.js"
import { type FaultContext, requestIdOf } from "./fault-context.js"

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants

interface SessionState {
  /** The highest stream that reached the handler; what a GOAWAY names as processed at most. */
  lastHandled: number
  /** The last stream id of the GOAWAY sent, if one was. */
  goawayAt: number | undefined
}

/** The request's declared `content-length`, 0 without a usable one. */
const declaredLength = (headers: http2.IncomingHttpHeaders): number => {
  const length = Number(headers["content-length"] ?? 0)
  return Number.isSafeInteger(length) && length > 0 ? length : 0
}

/** @internal */
export interface H2Handlers {
  readonly session: (session: http2.ServerHttp2Session) => void
  readonly stream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void
}

/** @internal */
export const h2Handlers = (
  context: FaultContext,
  /** Makes the connection under the session go silent. */
  stall: (session: http2.Http2Session) => void
): H2Handlers => {
  const { ledger, plan, timers } = context
  const sessions = new WeakMap<http2.Http2Session, SessionState>()

  const send = (stream: http2.ServerHttp2Stream, answer: Encoded): void => {
    if (stream.closed || stream.destroyed) return
    stream.respond({ ...answer.headers, ":status": answer.status, "content-length": answer.body.byteLength })
    stream.end(answer.body)
  }

  const processRequest = (
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    requestId: string | undefined,
    body: Buffer,
    early: boolean
  ): Encoded | undefined => {
    ledger.process(requestId, "h2")
    try {
      return encode(
        context.answer({
          method: headers[":method"] ?? "GET",
          path: headers[":path"] ?? "/",
          requestId,
          protocol: "h2",
          body,
          bodyLength: early ? declaredLength(headers) : body.byteLength,
          early
        })
      )
    } catch (error) {
      ledger.recordError(error)
      stream.close(NGHTTP2_INTERNAL_ERROR)
      return undefined
    }
  }

  /** Answers a stream whose body is still to come, on its HEADERS, then stops the upload or reads it on. */
  const answerEarly = (
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    requestId: string | undefined,
    stop: boolean
  ): void => {
    const answer = processRequest(stream, headers, requestId, Buffer.alloc(0), true)
    if (answer === undefined) return
    ledger.inject("earlyResponse")
    stream.once("close", () => {
      if (stream.rstCode === NGHTTP2_NO_ERROR) ledger.answer(requestId)
    })
    stream.respond({ ...answer.headers, ":status": answer.status, "content-length": answer.body.byteLength })
    // Node flushes the DATA frames queued before it sends the RST_STREAM.
    if (stop) stream.end(answer.body, () => stream.close(NGHTTP2_NO_ERROR))
    else stream.end(answer.body)
    stream.resume()
  }

  return {
    session: (session) => {
      sessions.set(session, { lastHandled: 0, goawayAt: undefined })
      session.on("error", ledger.recordError)
      ledger.sessionsOpened.increment()
      session.once("close", () => ledger.sessionsClosed.increment())
    },
    stream: (stream, headers) => {
      stream.on("error", ledger.recordError)
      const session = stream.session
      const state = session === undefined ? undefined : sessions.get(session)
      if (session === undefined || state === undefined) return void stream.close(NGHTTP2_INTERNAL_ERROR)
      const id = stream.id ?? 0
      // Above the GOAWAY's last stream id: the client was told it is not processed, and
      // nghttp2 closes the stream once the GOAWAY is out. Resetting such streams as well
      // made the server process abort with heap corruption under load (Node 20).
      if (state.goawayAt !== undefined && id > state.goawayAt) return
      const requestId = requestIdOf(headers["x-request-id"])
      ledger.arrive("h2")
      const decision = plan.decide(requestId, "h2")
      if (decision.fault === "refuseStream") {
        ledger.inject("refuseStream")
        return void stream.close(NGHTTP2_REFUSED_STREAM)
      }
      if (decision.fault === "goaway") {
        ledger.inject("goaway")
        // Node reads a last stream id of 0 as "the last stream seen": on a session's first
        // stream the GOAWAY names that stream, which is then answered as usual.
        const last = state.lastHandled > 0 ? state.lastHandled : id
        state.goawayAt = last
        session.goaway(NGHTTP2_NO_ERROR, last)
        if (id > last) return
      }
      state.lastHandled = Math.max(state.lastHandled, id)
      if (decision.fault === "earlyResponse" && !stream.endAfterHeaders)
        return answerEarly(stream, headers, requestId, decision.cutAt < 0.5)
      let sent = false
      stream.once("close", () => {
        if (sent && stream.rstCode === NGHTTP2_NO_ERROR) ledger.answer(requestId)
      })
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.once("end", () => {
        // Reset by the client before its request was complete: never processed.
        if (stream.closed || stream.destroyed) return
        const answer = processRequest(stream, headers, requestId, Buffer.concat(chunks), false)
        if (answer === undefined) return
        const answerNow = () => {
          sent = true
          send(stream, answer)
        }
        switch (decision.fault) {
          case "resetStream":
            ledger.inject("resetStream")
            return void stream.close(NGHTTP2_INTERNAL_ERROR)
          case "stall":
            ledger.inject("stall")
            return stall(session)
          case "truncateBody":
            ledger.inject("truncateBody")
            // Waiting for trailers keeps END_STREAM off the last DATA frame, so the
            // client sees the body cut by the reset, not a short body that ended.
            stream.respond(
              { ...answer.headers, ":status": answer.status, "content-length": answer.body.byteLength },
              { waitForTrailers: true }
            )
            return void stream.write(
              answer.body.subarray(0, cutLength(answer.body.byteLength, decision.cutAt)),
              () => stream.close(NGHTTP2_INTERNAL_ERROR)
            )
          case "cancelBody":
            ledger.inject("cancelBody")
            stream.respond(
              { ...answer.headers, ":status": answer.status, "content-length": answer.body.byteLength },
              { waitForTrailers: true }
            )
            return void stream.write(
              answer.body.subarray(0, cutLength(answer.body.byteLength, decision.cutAt)),
              () => stream.close(decision.cutAt < 0.5 ? NGHTTP2_NO_ERROR : NGHTTP2_CANCEL)
            )
          case "interimFlood":
            ledger.inject("interimFlood")
            for (let i = 0; i < INTERIM_FLOOD && !stream.closed && !stream.destroyed; i++) {
              stream.additionalHeaders({ ":status": 103, link: "</style.css>; rel=preload" })
            }
            return answerNow()
          case "delayHeaders":
            ledger.inject("delayHeaders")
            return timers.after(decision.delayMillis, stream, answerNow)
          default:
            return answerNow()
        }
      })
    }
  }
}
