/**
 * A peer may close a stream with RST_STREAM(NO_ERROR) while our side still
 * has bytes queued (an early answer to an upload, say). Node then ends the
 * readable side and waits for our writes to drain before 'close', which they
 * never do on a closed stream: the stream, and what it holds, would stay in
 * the session, neither open nor closed. Both the HTTP/2 pool's streams and
 * the stream pool's call this once what arrived has been read ('end'); with
 * nothing more to arrive or leave, the stream is destroyed and 'close'
 * follows with the peer's code.
 *
 * @internal
 */
import type * as http2 from "node:http2"

/** An 'end' listener, shared so that a stream costs no closure for it. @internal */
export function destroyIfClosedByPeer(this: http2.Http2Stream): void {
  if (this.closed && !this.destroyed && !this.writableFinished) this.destroy()
}
