/** Where a client sends its requests, and what a correct response looks like. */
export interface Target {
  readonly url: string
  readonly host: string
  readonly port: number
  readonly path: string
  readonly expectedBytes: number
  /** Clients size their pools from this, so every client gets the same number of connections to work with. */
  readonly concurrency: number
}

/** How long one phase of a run lasts: until both minimums are met. */
export interface PhaseBudget {
  readonly minRequests: number
  readonly minMs: number
}

/** Handed to a client's loop; it decides when the loop stops and keeps the latencies. */
export interface RunPlan {
  readonly concurrency: number
  /** Claims one more request; false once the budget is spent. */
  readonly next: () => boolean
  /** Records the latency, in nanoseconds, of one completed request. */
  readonly record: (latencyNs: number) => void
}

export interface ClientDriver {
  /** Resolves once the plan says stop and every request in flight has completed and its body was read. */
  readonly run: (plan: RunPlan) => Promise<void>
  readonly close: () => Promise<void>
}

export interface ClientAdapter {
  readonly start: (target: Target) => Promise<ClientDriver>
}

export class UnexpectedResponse extends Error {
  constructor(what: string) {
    super(`unexpected response: ${what}`)
    this.name = "UnexpectedResponse"
  }
}

/** Every client checks status and body length so that none is measured returning early. */
export const checkResponse = (target: Target, status: number, bodyBytes: number): void => {
  if (status !== 200) throw new UnexpectedResponse(`status ${status}`)
  if (bodyBytes !== target.expectedBytes) {
    throw new UnexpectedResponse(`${bodyBytes} body bytes, expected ${target.expectedBytes}`)
  }
}
