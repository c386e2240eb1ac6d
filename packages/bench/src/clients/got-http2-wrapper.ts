import { createRequire } from "node:module"

/** The parts of http2-wrapper a fresh got HTTP/2 client needs. */
export interface Http2Wrapper {
  readonly Agent: new () => { readonly destroy: () => void }
  readonly auto: { readonly protocolCache: { readonly clear: () => void } }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  (typeof value === "object" || typeof value === "function") && value !== null

const isHttp2Wrapper = (value: unknown): value is Http2Wrapper =>
  isRecord(value) &&
  typeof value.Agent === "function" &&
  isRecord(value.auto) &&
  isRecord(value.auto.protocolCache) &&
  typeof value.auto.protocolCache.clear === "function"

/**
 * got's `http2: true` runs on http2-wrapper, whose default agent and ALPN cache are process-wide. A client
 * that must start afresh needs its own agent and an empty cache, so the module is loaded from got's own
 * directory: the very instance got uses, and no dependency of the bench's own.
 */
export const loadHttp2Wrapper = (): Http2Wrapper => {
  const fromGot = createRequire(import.meta.resolve("got"))
  const loaded: unknown = fromGot("http2-wrapper")
  if (!isHttp2Wrapper(loaded))
    throw new Error("got's http2-wrapper does not have the expected Agent and auto")
  return loaded
}
