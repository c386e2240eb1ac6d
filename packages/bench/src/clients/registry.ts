import type { ClientAdapter } from "./types.js"

export interface ClientEntry {
  readonly label: string
  /** Loaded lazily inside the client's own process, so one client's imports never weigh on another's figures. */
  readonly load: () => Promise<ClientAdapter>
}

export const clients = {
  "effect-requests": {
    label: "effect-requests (HttpClient)",
    load: async () => (await import("./effect-requests.js")).adapter
  },
  "undici-pool": {
    label: "undici Pool",
    load: async () => (await import("./undici-pool.js")).adapter
  },
  fetch: {
    label: "fetch (Node global)",
    load: async () => (await import("./fetch.js")).adapter
  },
  "node-http": {
    label: "node:http Agent",
    load: async () => (await import("./node-http.js")).adapter
  },
  "platform-node-undici": {
    label: "@effect/platform-node layerUndici",
    load: async () => (await import("./platform-node-undici.js")).adapter
  },
  floor: {
    label: "floor (raw socket)",
    load: async () => (await import("./floor.js")).adapter
  }
} satisfies Record<string, ClientEntry>

export type ClientId = keyof typeof clients

/** Every table reports each figure relative to these two. */
export const baselineClient: ClientId = "undici-pool"
export const floorClient: ClientId = "floor"

export const isClientId = (value: string): value is ClientId => Object.hasOwn(clients, value)
