/**
 * Reads the `Keep-Alive` response header (RFC 2068 §19.7.1): how long the
 * server keeps an idle connection and how many more requests it accepts.
 *
 * @internal
 */

/** @internal */
export interface KeepAliveHint {
  /** Idle timeout in milliseconds. */
  readonly timeout: number | undefined
  /** Requests the server still accepts on this connection. */
  readonly max: number | undefined
}

const integer = (text: string): number | undefined => {
  const trimmed = text.trim()
  if (trimmed.length === 0 || trimmed.length > 9) return undefined
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i)
    if (c < 48 || c > 57) return undefined
  }
  return Number(trimmed)
}

/** Parses `timeout=5, max=100`; unknown or malformed parameters are ignored. */
export const parseKeepAlive = (value: string): KeepAliveHint => {
  let timeout: number | undefined
  let max: number | undefined
  for (const part of value.split(",")) {
    const eq = part.indexOf("=")
    if (eq < 0) continue
    const name = part.slice(0, eq).trim().toLowerCase()
    const n = integer(part.slice(eq + 1))
    if (n === undefined) continue
    if (name === "timeout") timeout = n * 1000
    else if (name === "max") max = n
  }
  return { timeout, max }
}
