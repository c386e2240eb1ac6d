import type { ClientAdapter } from "./types.js"

export interface ClientEntry {
  readonly label: string
  /** Loaded lazily inside the client's own process, so one client's imports never weigh on another's figures. */
  readonly load: () => Promise<ClientAdapter>
}

/**
 * Every client a scenario may list. Effect clients are driven by worker fibers unless their label says
 * "fiber per request" (see `effect-drivers.ts`). HTTP/1.1 clients take the scenario's TLS and pipelining settings from
 * the target; HTTP/2 clients negotiate h2 over TLS, or speak h2c where the scenario asks for it.
 */
export const clients = {
  "effect-requests": {
    label: "effect-requests (HttpClient)",
    load: async () => (await import("./effect-requests.js")).adapter
  },
  "effect-requests-batteries": {
    label: "effect-requests (HttpClient), default batteries",
    load: async () => (await import("./effect-requests-batteries.js")).adapter
  },
  "effect-requests-h2": {
    label: "effect-requests HTTP/2 (HttpClient)",
    load: async () => (await import("./effect-requests-h2.js")).adapter
  },
  "effect-requests-h2-node": {
    label: "effect-requests HTTP/2, node:http2 engine",
    load: async () => (await import("./effect-requests-h2.js")).nodeEngineAdapter
  },
  "effect-requests-auto": {
    label: "effect-requests protocol: auto (router)",
    load: async () => (await import("./effect-requests-auto.js")).adapter
  },
  "effect-requests-http1": {
    label: "effect-requests protocol: http1",
    load: async () => (await import("./effect-requests-http1.js")).adapter
  },
  "effect-requests-http1-per-request": {
    label: "effect-requests protocol: http1, fiber per request",
    load: async () => (await import("./effect-requests-http1.js")).adapterWith("fiber-per-request")
  },
  "effect-undici": {
    label: "Effect + undici Pool",
    load: async () => (await import("./effect-undici.js")).adapterWith("workers")
  },
  "effect-undici-per-request": {
    label: "Effect + undici Pool, fiber per request",
    load: async () => (await import("./effect-undici.js")).adapterWith("fiber-per-request")
  },
  "effect-requests-proxy": {
    label: "effect-requests through a CONNECT proxy",
    load: async () => (await import("./effect-requests-proxy.js")).adapter
  },
  "undici-proxy": {
    label: "undici ProxyAgent",
    load: async () => (await import("./undici-proxy.js")).adapter
  },
  "undici-pool": {
    label: "undici Pool",
    load: async () => (await import("./undici-pool.js")).adapter
  },
  "undici-h2": {
    label: "undici allowH2 (H2CClient for h2c)",
    load: async () => (await import("./undici-h2.js")).adapter
  },
  fetch: {
    label: "fetch (Node global)",
    load: async () => (await import("./fetch.js")).adapter
  },
  "node-http": {
    label: "node:http(s) keep-alive Agent",
    load: async () => (await import("./node-http.js")).adapter
  },
  got: {
    label: "got (keep-alive Agent)",
    load: async () => (await import("./got.js")).adapter
  },
  "got-h2": {
    label: "got http2",
    load: async () => (await import("./got-h2.js")).adapter
  },
  axios: {
    label: "axios (keep-alive Agent)",
    load: async () => (await import("./axios.js")).adapter
  },
  "platform-node-undici": {
    label: "@effect/platform-node layerUndici",
    load: async () => (await import("./platform-node-undici.js")).adapter
  },
  "platform-node-undici-h2": {
    label: "@effect/platform-node layerUndici, allowH2",
    load: async () => (await import("./platform-node-undici-h2.js")).adapter
  },
  "platform-node-agent": {
    label: "@effect/platform-node layerWithoutAgent, keep-alive Agent",
    load: async () => (await import("./platform-node-agent.js")).adapter
  },
  floor: {
    label: "floor (raw socket)",
    load: async () => (await import("./floor.js")).adapter
  },
  "floor-h2": {
    label: "floor (node:http2, one session)",
    load: async () => (await import("./floor-h2.js")).adapter
  }
} satisfies Record<string, ClientEntry>

export type ClientId = keyof typeof clients

export const isClientId = (value: string): value is ClientId => Object.hasOwn(clients, value)
