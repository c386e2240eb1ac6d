/**
 * `WWW-Authenticate` challenges (RFC 9110 11.6.1): a scheme, then either a
 * token68 or comma-separated `name=value` parameters, values being tokens
 * or quoted strings. Several challenges may share one header value.
 */

/** One challenge: its scheme (lower case) and parameters (names lower case). */
export interface Challenge {
  readonly scheme: string
  readonly params: ReadonlyMap<string, string>
}

const isTokenChar = (c: string): boolean => c !== "" && !' \t,="'.includes(c)

class Reader {
  i = 0
  constructor(readonly s: string) {}
  skipSpaces(): void {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++
  }
  skipSeparators(): void {
    while (this.s[this.i] === " " || this.s[this.i] === "\t" || this.s[this.i] === ",") this.i++
  }
  token(): string {
    const start = this.i
    while (this.i < this.s.length && isTokenChar(this.s[this.i]!)) this.i++
    return this.s.slice(start, this.i)
  }
  quoted(): string {
    let out = ""
    this.i++
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      if (this.s[this.i] === "\\") this.i++
      out += this.s[this.i] ?? ""
      this.i++
    }
    this.i++
    return out
  }
  /** Whether `name =` follows, a parameter rather than the next challenge's scheme. */
  paramAhead(): boolean {
    const saved = this.i
    this.token()
    this.skipSpaces()
    const result = this.s[this.i] === "="
    this.i = saved
    return result
  }
}

/** Every challenge in a `WWW-Authenticate` value; malformed tails are dropped. */
export const parseChallenges = (value: string): ReadonlyArray<Challenge> => {
  const reader = new Reader(value)
  const challenges: Array<Challenge> = []
  reader.skipSeparators()
  while (reader.i < value.length) {
    const scheme = reader.token().toLowerCase()
    if (scheme === "") break
    const params = new Map<string, string>()
    reader.skipSpaces()
    for (;;) {
      reader.skipSeparators()
      if (reader.i >= value.length || !reader.paramAhead()) break
      const name = reader.token().toLowerCase()
      reader.skipSpaces()
      reader.i++ // "="
      reader.skipSpaces()
      params.set(name, value[reader.i] === '"' ? reader.quoted() : reader.token())
    }
    challenges.push({ scheme, params })
  }
  return challenges
}
