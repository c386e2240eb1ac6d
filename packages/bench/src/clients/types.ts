/**
 * How the server is reached: HTTP/1.1 in clear text or over TLS, HTTP/2 over TLS (ALPN h2), HTTP/2 in
 * clear text with prior knowledge (h2c), or TLS where the server offers both h2 and http/1.1 by ALPN and
 * the client's offer decides (`alpn`).
 */
export type Transport = "http" | "https" | "h2" | "h2c" | "alpn"

/** Transports over TLS: their clients are given the test CA. */
export const isTls = (transport: Transport): boolean =>
  transport === "https" || transport === "h2" || transport === "alpn"

/** One origin of the target; a multi-origin scenario lists several (one server, different ports). */
export interface Origin {
  /** `scheme://host:port`, without a path. */
  readonly origin: string
  readonly host: string
  readonly port: number
}

/** Where a client sends its requests, how it may connect, and what a correct response looks like. */
export interface Target {
  readonly transport: Transport
  /** Requests go to these in turn; most scenarios have one. */
  readonly origins: ReadonlyArray<Origin>
  readonly path: string
  readonly method: "GET" | "PUT"
  /** Bytes of the request body; 0 sends none. */
  readonly requestBytes: number
  readonly expectedStatus: number
  readonly expectedBytes: number
  /** Requests in flight at once. */
  readonly concurrency: number
  /** Connections a client may open per origin; clients size their pools from this. */
  readonly connections: number
  /** Requests written ahead on one HTTP/1.1 connection; 1 means no pipelining. */
  readonly pipelining: number
  /** PEM of the CA that signed the server's certificate, for TLS transports. */
  readonly ca: string | undefined
  /**
   * The address the origins' host name stands for, when the server is not where the system resolver puts
   * that name (a server in another network namespace). Only the clients that take a lookup honour it: the
   * effect-requests clients and the HTTP/2 floor.
   */
  readonly resolveTo?: string
  /** A CONNECT proxy every request goes through, for the scenario that has one. */
  readonly proxy?: string
}

/** How long one phase of a run lasts: until both minimums are met. */
export interface PhaseBudget {
  readonly minRequests: number
  readonly minMs: number
}

/** Handed to a client's loop; it decides when the loop stops and keeps the latencies. */
export interface RunPlan {
  readonly concurrency: number
  /**
   * Requests the phase expects to claim, for a driver that must list its requests up front: the budget's
   * minimum, or what the warm-up's rate says the measured time will take, whichever is more. A hint only:
   * `next` decides.
   */
  readonly expected: number
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
  /** Builds a new client: nothing is shared between two drivers, so a fresh one knows no origin. */
  readonly start: (target: Target) => Promise<ClientDriver>
}

export class UnexpectedResponse extends Error {
  constructor(what: string) {
    super(`unexpected response: ${what}`)
    this.name = "UnexpectedResponse"
  }
}

/** The HTTP/2 listeners answer 505 to HTTP/1.1, so a 505 there means the client did not speak HTTP/2. */
export const statusMismatch = (target: Target, status: number): string =>
  status === 505 && target.transport === "h2"
    ? `status 505 from the HTTP/2-only listener: the request came over HTTP/1.1`
    : `status ${status}, expected ${target.expectedStatus}`

/** Every client checks status and body length so that none is measured returning early. */
export const checkResponse = (target: Target, status: number, bodyBytes: number): void => {
  if (status !== target.expectedStatus) throw new UnexpectedResponse(statusMismatch(target, status))
  if (bodyBytes !== target.expectedBytes) {
    throw new UnexpectedResponse(`${bodyBytes} body bytes, expected ${target.expectedBytes}`)
  }
}
