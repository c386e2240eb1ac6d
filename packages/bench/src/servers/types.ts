/** Cumulative counts since the server started; a client's share is the difference around its run. */
export interface ServerStats {
  readonly connections: number
  readonly requests: number
}

export type ServerKind = "nginx" | "node"

export interface BenchServer {
  readonly kind: ServerKind
  /** For the report, e.g. "nginx/1.22.1 (1 worker)". */
  readonly description: string
  readonly host: string
  readonly port: number
  readonly stats: () => Promise<ServerStats>
  readonly stop: () => Promise<void>
}
