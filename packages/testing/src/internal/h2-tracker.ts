/**
 * What `Http2TestServer` records about its sessions and streams, kept as
 * plain mutable records that the server's public views read live.
 *
 * @internal
 */
import type * as http2 from "node:http2"
import { Counter } from "./counter.js"

/** @internal */
export interface SessionRecord {
  readonly index: number
  readonly session: http2.ServerHttp2Session
  streams: number
  openStreams: number
  peakConcurrentStreams: number
  readonly streamIds: Array<number>
  closed: boolean
  goaway: { readonly code: number; readonly lastStreamId: number } | undefined
}

/** @internal */
export interface StreamRecord {
  readonly session: number
  readonly id: number
  readonly method: string
  readonly path: string
  readonly requestId: string | undefined
  closed: boolean
  rstCode: number | undefined
  answered: boolean
}

/** @internal */
export class Tracker {
  readonly sessions: Array<SessionRecord> = []
  readonly streams: Array<StreamRecord> = []
  readonly requestIds = new Map<string, number>()
  readonly answeredIds = new Map<string, number>()
  readonly sessionsOpened = new Counter()
  readonly sessionsClosed = new Counter()
  readonly requests = new Counter()
  readonly streamsClosed = new Counter()
  readonly #bySession = new WeakMap<http2.Http2Session, SessionRecord>()
  lastError: unknown = undefined

  get peakConcurrentStreams(): number {
    let peak = 0
    for (const s of this.sessions) peak = Math.max(peak, s.peakConcurrentStreams)
    return peak
  }

  get openSessions(): ReadonlyArray<SessionRecord> {
    return this.sessions.filter((s) => !s.closed)
  }

  session(session: http2.ServerHttp2Session): void {
    const record: SessionRecord = {
      index: this.sessions.length,
      session,
      streams: 0,
      openStreams: 0,
      peakConcurrentStreams: 0,
      streamIds: [],
      closed: false,
      goaway: undefined
    }
    this.sessions.push(record)
    this.#bySession.set(session, record)
    session.on("goaway", (code: number, lastStreamId: number) => {
      record.goaway = { code, lastStreamId }
    })
    session.on("error", (error) => {
      this.lastError = error
    })
    session.once("close", () => {
      record.closed = true
      this.sessionsClosed.increment()
    })
    this.sessionsOpened.increment()
  }

  /** Records a stream that reached the handler; returns how often its request id was seen before. */
  stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): number {
    const session = stream.session === undefined ? undefined : this.#bySession.get(stream.session)
    const id = headers["x-request-id"]
    const requestId = typeof id === "string" ? id : undefined
    const seen = requestId === undefined ? 0 : (this.requestIds.get(requestId) ?? 0)
    if (requestId !== undefined) this.requestIds.set(requestId, seen + 1)
    const record: StreamRecord = {
      session: session?.index ?? -1,
      id: stream.id ?? 0,
      method: headers[":method"] ?? "",
      path: headers[":path"] ?? "",
      requestId,
      closed: false,
      rstCode: undefined,
      answered: false
    }
    this.streams.push(record)
    if (session !== undefined) {
      session.streams++
      session.openStreams++
      session.streamIds.push(record.id)
      session.peakConcurrentStreams = Math.max(session.peakConcurrentStreams, session.openStreams)
    }
    stream.on("error", (error) => {
      this.lastError = error
    })
    stream.once("close", () => {
      record.closed = true
      record.rstCode = stream.rstCode
      record.answered = stream.rstCode === 0 && stream.headersSent
      if (record.answered && requestId !== undefined) {
        this.answeredIds.set(requestId, (this.answeredIds.get(requestId) ?? 0) + 1)
      }
      if (session !== undefined) session.openStreams--
      this.streamsClosed.increment()
    })
    this.requests.increment()
    return seen
  }
}
