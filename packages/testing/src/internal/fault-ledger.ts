/**
 * What `FaultServer` did with the requests it received: which it processed
 * (ran the side effect of), which it answered completely, and which faults
 * it carried out.
 *
 * @internal
 */
import { Counter } from "./counter.js"
import type { FaultKind, Protocol } from "./fault-types.js"

const tally = (map: Map<string, number>, id: string | undefined): void => {
  if (id !== undefined) map.set(id, (map.get(id) ?? 0) + 1)
}

/** @internal */
export class FaultLedger {
  /** Times each request id was processed: for a POST, more than once is the bug to catch. */
  readonly processed = new Map<string, number>()
  /** Times each request id was answered completely, as far as the server could tell. */
  readonly answered = new Map<string, number>()
  /** Faults carried out, by kind. */
  readonly injected: Readonly<Record<FaultKind, Counter>> = {
    closeAfterResponse: new Counter(),
    closeWhenIdle: new Counter(),
    goaway: new Counter(),
    refuseStream: new Counter(),
    resetStream: new Counter(),
    stall: new Counter(),
    truncateBody: new Counter(),
    delayHeaders: new Counter(),
    cancelBody: new Counter(),
    interimFlood: new Counter(),
    earlyResponse: new Counter()
  }
  /** Requests that reached the server, per protocol, faults included. */
  readonly arrivals: Record<Protocol, number> = { "http/1.1": 0, h2: 0 }
  /** Requests processed, per protocol. */
  readonly processedBy: Record<Protocol, number> = { "http/1.1": 0, h2: 0 }
  readonly sessionsOpened = new Counter()
  readonly sessionsClosed = new Counter()
  /** The last error a socket, session, stream or handler raised, if any. */
  lastError: unknown = undefined

  arrive(protocol: Protocol): void {
    this.arrivals[protocol]++
  }

  process(id: string | undefined, protocol: Protocol): void {
    tally(this.processed, id)
    this.processedBy[protocol]++
  }

  answer(id: string | undefined): void {
    tally(this.answered, id)
  }

  inject(kind: FaultKind): void {
    this.injected[kind].increment()
  }

  readonly recordError = (error: unknown): void => {
    this.lastError = error
  }
}
