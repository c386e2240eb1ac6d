import type { ClientId } from "./clients/registry.js"
import type { PhaseBudget, Transport } from "./clients/types.js"
import { download, resources, upload, uploads } from "./servers/resources.js"
import type { Exchange } from "./servers/resources.js"

export type Mode = "quick" | "full"

/**
 * Warm-up counts requests, because V8 optimises per call, not per second: below about 4,000 requests the
 * JIT compiler threads still show in the CPU figures (up to twice the settled figure for the slower clients
 * here). The measured phase is time-bound so that every client is exposed to the machine's noise for the
 * same time.
 */
export interface Budget {
  readonly warmup: PhaseBudget
  readonly measure: PhaseBudget
}

/**
 * `steady`: one client serves the whole run, as in a long-lived application. `fresh-client`: every iteration
 * builds a new client, sends `concurrency` requests at once to an origin it has never seen, and closes it;
 * latency then runs from just before the client is built, so handshakes count. `burst`: one client serves
 * the whole run, and every iteration sends `concurrency` requests at once and waits for the last; latency is
 * the wall time of a whole burst, which is what a page or a fan-out waits for.
 */
export type Shape = "steady" | "fresh-client" | "burst"

export interface Variant {
  /** Short and file-name safe, e.g. "c50". */
  readonly id: string
  readonly concurrency: number
  /** Connections a client may open per origin. */
  readonly connections: number
  /** HTTP/1.1 requests written ahead per connection; 1 is none. */
  readonly pipelining: number
  readonly budget: Record<Mode, Budget>
  /** Part of `bench:quick`. */
  readonly quick: boolean
  /** A subset of the scenario's clients, where running them all would not fit the time limits. */
  readonly clients?: ReadonlyArray<ClientId>
}

/**
 * One client's figure divided by another's round by round, for claims about two clients: the two run back
 * to back within a round, so a slow drift of the machine weighs on both alike.
 */
export interface Comparison {
  readonly client: ClientId
  readonly against: ClientId
  readonly figure: "cpuUsPerReq" | "p50Us" | "p99Us"
  /** The claim the ratio is checked against, e.g. "under 1.05"; without one the ratios are only shown. */
  readonly claim?: { readonly below: number; readonly text: string }
}

export interface Scenario {
  readonly id: string
  readonly title: string
  readonly transport: Transport
  readonly exchange: Exchange
  /** Distinct origins (ports of one server) the requests rotate over. */
  readonly origins: number
  readonly shape: Shape
  readonly clients: ReadonlyArray<ClientId>
  /** Every figure is also shown as a ratio to these two: undici's client for the protocol, and the floor. */
  readonly baseline: ClientId
  readonly floor: ClientId
  readonly variants: ReadonlyArray<Variant>
  /** Shown under every variant's table. */
  readonly comparisons?: ReadonlyArray<Comparison>
  /** Every request goes through a CONNECT proxy the harness runs. */
  readonly proxied?: boolean
}

export const rounds: Record<Mode, number> = { quick: 2, full: 3 }

/** Sized so that `bench:quick` stays under 2 minutes and `bench` under 10 on a 2-core machine. */
const smallBodies: Record<Mode, Budget> = {
  quick: { warmup: { minRequests: 4_000, minMs: 300 }, measure: { minRequests: 500, minMs: 500 } },
  full: { warmup: { minRequests: 4_000, minMs: 300 }, measure: { minRequests: 1_000, minMs: 500 } }
}

/**
 * Where two clients' figures are compared round by round, a longer measured phase: a shorter one leaves
 * the ratios at the mercy of a neighbour's burst of work on a shared machine.
 */
const comparedBodies: Record<Mode, Budget> = {
  quick: smallBodies.quick,
  full: { warmup: { minRequests: 4_000, minMs: 300 }, measure: { minRequests: 2_000, minMs: 1_500 } }
}

/** A 10 MiB body runs the per-chunk paths some 160 times per request: a few requests warm them up. */
const largeBodies: Record<Mode, Budget> = {
  quick: { warmup: { minRequests: 4, minMs: 200 }, measure: { minRequests: 4, minMs: 500 } },
  full: { warmup: { minRequests: 4, minMs: 300 }, measure: { minRequests: 8, minMs: 500 } }
}

/** In requests: with a fresh client per iteration, `perIteration` first requests make one iteration. */
const firstRequests = (perIteration: number): Record<Mode, Budget> => ({
  quick: {
    warmup: { minRequests: 3 * perIteration, minMs: 200 },
    measure: { minRequests: 5 * perIteration, minMs: 500 }
  },
  full: {
    warmup: { minRequests: 2 * perIteration, minMs: 300 },
    measure: { minRequests: 5 * perIteration, minMs: 500 }
  }
})

/** In requests: every burst of `perBurst` requests counts whole. */
const bursts = (perBurst: number): Record<Mode, Budget> => ({
  quick: {
    warmup: { minRequests: 4_000, minMs: 300 },
    measure: { minRequests: 30 * perBurst, minMs: 500 }
  },
  full: {
    warmup: { minRequests: 4_000, minMs: 300 },
    measure: { minRequests: 100 * perBurst, minMs: 500 }
  }
})

/** Keep-alive without pipelining: a connection per request in flight at most. */
const plain = (concurrency: number, budget: Record<Mode, Budget>, quick = false): Variant => ({
  id: `c${concurrency}`,
  concurrency,
  connections: concurrency,
  pipelining: 1,
  budget,
  quick
})

const http1Clients: ReadonlyArray<ClientId> = [
  "effect-requests",
  "undici-pool",
  "fetch",
  "node-http",
  "got",
  "axios",
  "platform-node-undici",
  "platform-node-agent",
  "floor"
]

const http2Clients: ReadonlyArray<ClientId> = [
  "effect-requests-h2",
  "effect-requests-h2-node",
  "undici-h2",
  "got-h2",
  "platform-node-undici-h2",
  "floor-h2"
]

const withoutPlatformH2 = http2Clients.filter((client) => client !== "platform-node-undici-h2")

const http1 = { baseline: "undici-pool", floor: "floor" } as const
const http2 = { baseline: "undici-h2", floor: "floor-h2" } as const

/** The HTTP/1.1 pool's default size, so that `protocol: "http1"` runs as an application would leave it. */
const defaultH1PoolSize = 10

export const scenarios: ReadonlyArray<Scenario> = [
  {
    id: "h1-keepalive-get-1k",
    title: "HTTP/1.1 keep-alive GET, 1 KiB body",
    transport: "http",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    clients: [
      "effect-requests",
      "effect-requests-batteries",
      ...http1Clients.filter((client) => client !== "effect-requests")
    ],
    ...http1,
    variants: [plain(50, smallBodies, true), plain(1, smallBodies)],
    // What the batteries cost on a plain GET, read round by round.
    comparisons: [{ client: "effect-requests-batteries", against: "effect-requests", figure: "cpuUsPerReq" }]
  },
  {
    id: "h1-pipelined-get-1k",
    title: "HTTP/1.1 pipelined GET, 1 KiB body, 10 deep over 5 connections",
    transport: "http",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    // Only clients that pipeline; a client that ignores the setting shows up in the connection count.
    clients: ["effect-requests", "undici-pool", "floor"],
    ...http1,
    variants: [
      { id: "c50", concurrency: 50, connections: 5, pipelining: 10, budget: smallBodies, quick: false }
    ]
  },
  {
    id: "https1-keepalive-get-1k",
    title: "HTTPS (HTTP/1.1 over TLS) keep-alive GET, 1 KiB body",
    transport: "https",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    // got, axios and layerWithoutAgent reach TLS through node:https, which node-http covers.
    clients: ["effect-requests", "undici-pool", "fetch", "node-http", "platform-node-undici", "floor"],
    ...http1,
    variants: [plain(50, smallBodies)]
  },
  {
    id: "h2-get-1k",
    title: "HTTP/2 over TLS GET, 1 KiB body",
    transport: "h2",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    clients: http2Clients,
    ...http2,
    variants: [
      plain(50, smallBodies, true),
      // The stock Effect client's HTTP/2 (the slowest, some 5 s a process) is compared at 50 only.
      { ...plain(1, smallBodies), clients: withoutPlatformH2 },
      { ...plain(200, smallBodies), clients: withoutPlatformH2 }
    ]
  },
  {
    id: "h2c-get-1k",
    title: "h2c (HTTP/2 in clear text, prior knowledge) GET, 1 KiB body",
    transport: "h2c",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    // got negotiates HTTP/2 only through TLS ALPN, and @effect/platform-node's undici Agent has no h2c.
    clients: ["effect-requests-h2", "effect-requests-h2-node", "undici-h2", "floor-h2"],
    ...http2,
    variants: [plain(50, smallBodies)]
  },
  {
    id: "h1-download-10m",
    title: "HTTP/1.1 download, 10 MiB body",
    transport: "http",
    exchange: download(resources["10m"]),
    origins: 1,
    shape: "steady",
    clients: http1Clients,
    ...http1,
    variants: [plain(4, largeBodies)]
  },
  {
    id: "h1-upload-10m",
    title: "HTTP/1.1 upload (PUT), 10 MiB body",
    transport: "http",
    exchange: upload(uploads["10m"]),
    origins: 1,
    shape: "steady",
    clients: http1Clients,
    ...http1,
    variants: [plain(4, largeBodies)]
  },
  {
    id: "https1-cold-start",
    title: "Cold start: a new client's first HTTPS request, TCP and TLS handshakes included",
    transport: "https",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "fresh-client",
    // fetch is left out: its dispatcher is process-wide, so it cannot start afresh.
    clients: http1Clients.filter((client) => client !== "fetch"),
    ...http1,
    variants: [plain(1, firstRequests(1), true)]
  },
  {
    id: "h2-first-burst",
    title: "100 concurrent first requests from a new client to an HTTP/2 origin",
    transport: "h2",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "fresh-client",
    clients: http2Clients,
    ...http2,
    variants: [plain(100, firstRequests(100))]
  },
  {
    id: "h1-origins-20",
    title: "HTTP/1.1 keep-alive GET, 1 KiB body, 20 origins round-robin",
    transport: "http",
    exchange: download(resources["1k"]),
    origins: 20,
    shape: "steady",
    // got, axios and layerWithoutAgent keep their connections in a node:http Agent, which node-http covers.
    clients: ["effect-requests", "undici-pool", "fetch", "node-http", "platform-node-undici", "floor"],
    ...http1,
    variants: [plain(50, smallBodies)]
  },
  {
    id: "router-get-1k",
    title: "Protocol router: GET, 1 KiB body, TLS origin offering h2 and http/1.1",
    transport: "alpn",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    // Both negotiate h2 here; the only difference is the router's per-request consultation of its hint.
    clients: ["effect-requests-auto", "effect-requests-h2", "floor-h2"],
    baseline: "effect-requests-h2",
    floor: "floor-h2",
    // Full runs only: two rounds cannot resolve a few percent on a shared machine, and they would take
    // bench:quick past 2 minutes.
    variants: [plain(50, smallBodies), plain(1, smallBodies)],
    comparisons: [
      {
        client: "effect-requests-auto",
        against: "effect-requests-h2",
        figure: "cpuUsPerReq",
        claim: { below: 1.05, text: "the router adds under 5% CPU per request" }
      }
    ]
  },
  {
    id: "router-burst-100",
    title: "Protocol router: bursts of 100 concurrent GETs, 1 KiB body, TLS origin offering h2 and http/1.1",
    transport: "alpn",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "burst",
    clients: ["effect-requests-auto", "effect-requests-h2", "effect-requests-http1", "floor-h2"],
    baseline: "effect-requests-http1",
    floor: "floor-h2",
    variants: [
      {
        id: "c100",
        concurrency: 100,
        connections: defaultH1PoolSize,
        pipelining: 1,
        budget: bursts(100),
        quick: false
      }
    ],
    comparisons: [
      {
        client: "effect-requests-auto",
        against: "effect-requests-http1",
        figure: "p50Us",
        claim: { below: 1, text: "a burst over HTTP/2 through the router ends sooner than over HTTP/1.1" }
      }
    ]
  },
  {
    id: "h1-drivers-get-1k",
    title: "HTTP/1.1 keep-alive GET, 1 KiB body: worker fibers against a fiber per request",
    transport: "http",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    // What each layer costs: Effect over undici against undici alone, our client against Effect over undici,
    // each under both drivers.
    clients: [
      "effect-requests-http1",
      "effect-requests-http1-per-request",
      "effect-undici",
      "effect-undici-per-request",
      "undici-pool",
      "floor"
    ],
    ...http1,
    variants: [plain(50, comparedBodies)],
    comparisons: [
      {
        client: "effect-requests-http1-per-request",
        against: "effect-requests-http1",
        figure: "cpuUsPerReq"
      },
      { client: "effect-undici-per-request", against: "effect-undici", figure: "cpuUsPerReq" },
      { client: "effect-requests-http1", against: "effect-undici", figure: "cpuUsPerReq" },
      { client: "effect-undici", against: "undici-pool", figure: "cpuUsPerReq" }
    ]
  },
  {
    id: "https1-connect-proxy",
    title: "HTTPS through a CONNECT proxy, HTTP/1.1 keep-alive GET, 1 KiB body",
    transport: "https",
    exchange: download(resources["1k"]),
    origins: 1,
    shape: "steady",
    proxied: true,
    clients: ["effect-requests-proxy", "undici-proxy"],
    baseline: "undici-proxy",
    floor: "undici-proxy",
    variants: [plain(50, smallBodies)],
    comparisons: [
      {
        client: "effect-requests-proxy",
        against: "undici-proxy",
        figure: "cpuUsPerReq",
        claim: { below: 1, text: "no more CPU per request than undici's ProxyAgent" }
      }
    ]
  }
]
