/**
 * The state of one client-initiated stream (RFC 9113 §5.1).
 *
 * A client with server push disabled only ever sees the states a request
 * goes through: idle (not yet in the map), open, half-closed (local) once
 * its END_STREAM is sent, half-closed (remote) once the response's is
 * received, and closed (out of the map, remembered for a while in a
 * {@link ClosedStreams} ring).
 *
 * @internal
 */
import { ReceiveWindow } from "./flow-control.js"

/**
 * Where a stream is in its life (§5.1), once opened and until closed.
 *
 * @internal
 */
export const enum StreamState {
  Open,
  HalfClosedLocal,
  HalfClosedRemote
}

/** Where the response is: before its final head, or in its body. @internal */
export const enum ResponsePhase {
  Head,
  Body
}

/**
 * One open or half-closed stream: its state, windows and interim count.
 *
 * @internal
 */
export class Stream {
  state: StreamState
  phase = ResponsePhase.Head
  /** Interim (1xx) responses seen. */
  interim = 0
  /** The request was a HEAD: the response's content-length describes no body. */
  headRequest = false
  /** The body length the response's content-length announced, or -1 (§8.1.1). */
  expectedLength = -1
  /** Body bytes received so far. */
  bodyBytes = 0
  /** Bytes we may send before the peer's next WINDOW_UPDATE; negative after a SETTINGS shrink. */
  sendWindow: number
  readonly receive: ReceiveWindow

  constructor(
    readonly id: number,
    endStream: boolean,
    sendWindow: number,
    receiveWindow: number
  ) {
    this.state = endStream ? StreamState.HalfClosedLocal : StreamState.Open
    this.sendWindow = sendWindow
    this.receive = new ReceiveWindow(receiveWindow)
  }

  /** Whether we may still send DATA or trailers. */
  get writable(): boolean {
    return this.state !== StreamState.HalfClosedLocal
  }

  /** Whether the peer may still send DATA or HEADERS. */
  get readable(): boolean {
    return this.state !== StreamState.HalfClosedRemote
  }
}

/** How a stream ended, which decides what a late frame on it means (§5.1). @internal */
export const enum ClosedBy {
  /** END_STREAM both ways: a late DATA or HEADERS is a STREAM_CLOSED error. */
  EndStream,
  /** We sent RST_STREAM: frames already in flight are ignored. */
  LocalReset,
  /** The peer sent RST_STREAM (or refused it in a GOAWAY): a late frame is a STREAM_CLOSED error. */
  RemoteReset
}

/**
 * The most recently closed streams and how each closed. Older streams are
 * forgotten; a frame on one is treated as on a reset stream.
 *
 * @internal
 */
export class ClosedStreams {
  private readonly ids: Int32Array
  private readonly how: Uint8Array
  private next = 0

  constructor(capacity = 256) {
    this.ids = new Int32Array(capacity)
    this.how = new Uint8Array(capacity)
  }

  add(id: number, how: ClosedBy): void {
    this.ids[this.next] = id
    this.how[this.next] = how
    this.next = (this.next + 1) % this.ids.length
  }

  /** How stream `id` closed, or LocalReset when it was forgotten. */
  get(id: number): ClosedBy {
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] === id) return this.how[i] as ClosedBy
    return ClosedBy.LocalReset
  }
}
