/**
 * The typed errors of an HTTP/2 exchange, worded from what the stream knows:
 * a reset (or a refusal that a GOAWAY explains), a session gone, a body
 * that ended short of its declared length.
 *
 * @internal
 */
import type { StreamIo } from "./engine/session-io.js"
import { ClosedError, GoAwayError, type Phase, type RequestsError, StreamResetError } from "../../Errors.js"
import type { ResponseHead } from "../exchange/exchange.js"
import { codeName, NO_ERROR, REFUSED_STREAM } from "./codes.js"
import type { StreamHost } from "./stream-host.js"

/** What the errors say about the stream. @internal */
export interface StreamFacts {
  readonly host: StreamHost
  /** Stream id; `0` until node assigned one. */
  readonly id: number
  readonly head: ResponseHead | undefined
  readonly phase: Phase
  /** Whether the connection had carried an earlier stream. */
  readonly reused: boolean
}

/** The stream was reset with `code`; a refusal above a GOAWAY's last stream id is that GOAWAY's. @internal */
export const resetError = (facts: StreamFacts, code: number): RequestsError => {
  const host = facts.host
  if (code === REFUSED_STREAM && facts.head === undefined && facts.id > host.goawayLastStreamId) {
    // Refused because the server sent GOAWAY below us: it never saw this request.
    return goAwayError(facts)
  }
  if (code === REFUSED_STREAM) host.counters.refused++
  else host.counters.resets++
  return new StreamResetError({
    endpoint: host.endpointKey,
    code,
    codeName: codeName(code),
    phase: facts.phase
  })
}

/** @internal */
export const goAwayError = (facts: StreamFacts): GoAwayError => {
  const host = facts.host
  return new GoAwayError({
    endpoint: host.endpointKey,
    code: host.goawayCode,
    codeName: codeName(host.goawayCode),
    lastStreamId: host.goawayLastStreamId,
    streamId: facts.id,
    phase: facts.phase
  })
}

/** @internal */
export const closedError = (facts: StreamFacts, cause: unknown): ClosedError =>
  new ClosedError({
    endpoint: facts.host.endpointKey,
    protocol: "h2",
    phase: facts.phase,
    reused: facts.reused,
    responseStarted: facts.head !== undefined,
    cause
  })

/**
 * Why a body that node reports ended is not complete, if it is not. Node
 * also emits 'end' for a stream a reset or a torn-down session closed
 * before END_STREAM: then the stream is already closed with its code when
 * 'end' fires. RST_STREAM(NO_ERROR) cannot be told apart that way (a
 * server may send it right after END_STREAM, to stop an upload), so the
 * bytes received must also add up to the declared content-length.
 *
 * @internal
 */
export const truncation = (
  facts: StreamFacts,
  head: ResponseHead,
  stream: StreamIo | undefined,
  /** A response to HEAD declares a content-length it never sends. */
  isHead: boolean,
  received: number
): RequestsError | undefined => {
  const host = facts.host
  if (stream !== undefined && stream.closed) {
    if (host.sessionGone) return closedError(facts, new Error("session closed before END_STREAM"))
    const code = stream.rstCode ?? NO_ERROR
    if (code !== NO_ERROR) return resetError(facts, code)
  }
  const declared = head.headers["content-length"]
  if (declared === undefined || head.status === 204 || head.status === 304 || isHead) return undefined
  const length = Number(declared)
  if (Number.isSafeInteger(length) && length !== received) {
    const code = stream?.rstCode ?? NO_ERROR
    return new StreamResetError({ endpoint: host.endpointKey, code, codeName: codeName(code), phase: "body" })
  }
  return undefined
}
