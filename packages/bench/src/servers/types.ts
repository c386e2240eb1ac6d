import type { Transport } from "../clients/types.js"

/** Cumulative counts since the server started; a client's share is the difference around its run. */
export interface ServerStats {
  readonly connections: number
  readonly requests: number
}

export type ServerKind = "nginx" | "node" | "nginx+node"

/** Ports on the server's address (127.0.0.1 unless `--server-netns`), by what they speak. */
export interface Listeners {
  /** HTTP/1.1 in clear text: several ports of one server, the first being the default origin. */
  readonly http: ReadonlyArray<number>
  /** HTTP/1.1 over TLS. */
  readonly https: number
  /** HTTP/2 over TLS; a request that arrives over HTTP/1.1 is answered 505 or refused. */
  readonly h2: number
  /** HTTP/2 in clear text with prior knowledge. */
  readonly h2c: number
  /** TLS offering h2 and http/1.1 by ALPN, answering whichever the client negotiated. */
  readonly alpn: number
  /** HTTP/1.1 in clear text accepting PUT under `uploadPrefix`. */
  readonly upload: number
}

export interface BenchServer {
  readonly kind: ServerKind
  /** For the report, e.g. "nginx/1.22.1 (1 worker)". */
  readonly description: string
  readonly host: string
  /** The address `host` stands for when the server runs in another network namespace (`--server-netns`). */
  readonly resolveTo?: string
  readonly listeners: Listeners
  /** PEM of the CA clients must trust for the TLS listeners. */
  readonly ca: string
  readonly stats: () => Promise<ServerStats>
  readonly stop: () => Promise<void>
  /** The CONNECT proxy for scenarios with `proxied`, started only when one is planned. */
  readonly proxy?: string
}

/** How many clear-text HTTP/1.1 ports every server opens, for the multi-origin scenario. */
export const httpOriginCount = 20

export const transportPort = (listeners: Listeners, transport: Transport): number => {
  switch (transport) {
    case "http":
      return listeners.http[0] ?? Number.NaN
    case "https":
      return listeners.https
    case "h2":
      return listeners.h2
    case "h2c":
      return listeners.h2c
    case "alpn":
      return listeners.alpn
  }
}
