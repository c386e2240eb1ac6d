/**
 * `Retry-After` (RFC 9110 10.2.3): a number of seconds or an HTTP-date.
 */

/**
 * Milliseconds to wait from `now`, `undefined` when the value is neither
 * form. A date in the past means no wait.
 */
export const parseRetryAfter = (value: string, now: number): number | undefined => {
  const trimmed = value.trim()
  if (trimmed === "") return undefined
  let digits = true
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i)
    if (code < 48 || code > 57) {
      digits = false
      break
    }
  }
  if (digits) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
