/**
 * `Retry-After` (RFC 9110 10.2.3): a number of seconds or an HTTP-date.
 */

// The three HTTP-date forms of RFC 9110 5.6.7; `Date.parse` alone would take
// almost anything ("-5" is a year to it).
const imfFixdate = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/
const rfc850 = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/
const asctime = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/

const parseHttpDate = (value: string): number => {
  if (imfFixdate.test(value) || rfc850.test(value)) return Date.parse(value)
  // asctime carries no zone and means UTC; `Date.parse` would read it as local time.
  if (asctime.test(value)) return Date.parse(`${value} GMT`)
  return Number.NaN
}

const isDigits = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 48 || code > 57) return false
  }
  return value.length > 0
}

/**
 * Milliseconds to wait from `now`, `undefined` when the value is neither
 * form. A date in the past means no wait.
 */
export const parseRetryAfter = (value: string, now: number): number | undefined => {
  const trimmed = value.trim()
  if (isDigits(trimmed)) return Number(trimmed) * 1000
  const at = parseHttpDate(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
