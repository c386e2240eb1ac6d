/**
 * A sans-IO parser of HTTP/1.1 responses (RFC 9112).
 *
 * It is fed bytes as they arrive and reports what they mean through a
 * {@link ResponseHandler}; it never touches a socket, a timer or an Effect,
 * so the connection that drives it stays in charge of I/O, backpressure and
 * errors. It gives the same events whatever the split of the input into
 * chunks: a line of the head cut by a chunk boundary is carried over in a
 * small buffer, and body bytes are passed on as views into the input.
 *
 * Indexing below is always bounds-checked by the surrounding loops, hence
 * the non-null assertions on byte reads.
 *
 * @since 0.1.0
 */
import { FIELD_VALUE, HEX, isToken, TCHAR } from "../exchange/tokens.js"

/**
 * Bounds on what a peer can make the parser hold.
 *
 * @since 0.1.0
 */
export interface ParserLimits {
  /** Bytes of status line + header section. Default 16384. */
  readonly maxHeaderBytes?: number
  /** Header fields per message (trailers count separately with the same limit). Default 100. */
  readonly maxHeaderCount?: number
  /** Interim (1xx) responses before the final one. Default 16. */
  readonly maxInterimResponses?: number
}

/**
 * How the end of a response body is found.
 *
 * @since 0.1.0
 */
export type BodyKind = "none" | "content-length" | "chunked" | "close-delimited"

/**
 * A parsed status line and header section.
 *
 * @since 0.1.0
 */
export interface ResponseHead {
  readonly status: number
  readonly reason: string
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 */
  readonly minorVersion: 0 | 1
  /**
   * Lower-case names. Repeated fields are joined with ", ". Set-Cookie is
   * not here but in `setCookie`, since joining its values would be lossy.
   * The object inherits no property, not even from Object.prototype, so
   * any field name is a safe key.
   */
  readonly headers: Record<string, string>
  /** Each Set-Cookie field value, in order (never joined). Empty array when none. */
  readonly setCookie: ReadonlyArray<string>
  /** Whether the connection may carry another exchange after this one, from version and the Connection header (and close-delimited framing forces false). */
  readonly keepAlive: boolean
  readonly bodyKind: BodyKind
  /** Content-Length when bodyKind is "content-length", else -1 */
  readonly contentLength: number
}

/**
 * Why a response was rejected.
 *
 * @since 0.1.0
 */
export type ParseErrorReason =
  | "InvalidStatusLine"
  | "InvalidVersion"
  | "InvalidHeaderName"
  | "InvalidHeaderValue"
  | "ObsFold"
  | "BareCR"
  | "HeaderTooLarge"
  | "TooManyHeaders"
  | "InvalidContentLength"
  | "ConflictingContentLength"
  | "InvalidTransferEncoding"
  | "InvalidChunkSize"
  | "ChunkTooLarge"
  | "InvalidChunk"
  | "TruncatedBody"
  | "TruncatedHead"
  | "UnsolicitedResponse"
  | "TooManyInterimResponses"

/**
 * A rejected response: a stable `reason` and a human-readable `detail`.
 *
 * @since 0.1.0
 */
export interface ParseError {
  readonly reason: ParseErrorReason
  readonly detail: string
}

/**
 * Receives what the parser finds, synchronously from within `feed` or
 * `finish`. It may call `expect` on the parser, but must not feed it.
 *
 * @since 0.1.0
 */
export interface ResponseHandler {
  /** 1xx interim responses other than 101 (e.g. 100 Continue); parsing continues with the final response. */
  onInformational(head: ResponseHead): void
  /** The final response's head; its body, if any, follows, then `onComplete`. */
  onHead(head: ResponseHead): void
  /** A view into the input chunk (subarray, never a copy). May be called many times. */
  onBody(chunk: Uint8Array): void
  /** Message complete; trailers (lower-case names) of a chunked body, else undefined. */
  onComplete(trailers: Record<string, string> | undefined): void
}

const CR = 0x0d
const LF = 0x0a
const SP = 0x20
const HTAB = 0x09
const COLON = 0x3a
const SEMICOLON = 0x3b
const COMMA = 0x2c

const enum State {
  /** Between messages. */
  Idle,
  /** Between messages, after a CR that must be followed by LF. */
  IdleCr,
  Head,
  Length,
  Close,
  ChunkSize,
  /** Whitespace after the chunk size, before an extension or the CRLF. */
  ChunkWs,
  ChunkExt,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  Trailers,
  /** After an error or `finish()`. */
  Dead
}

/** Returned by the internal steps once `error` is set. */
const FAILED = -1

const EMPTY: ReadonlyArray<string> = Object.freeze([])

/**
 * Field names most responses carry, interned so that the common case
 * builds no string for a name and skips lower-casing it.
 */
const COMMON_NAMES = [
  "accept-ranges",
  "access-control-allow-credentials",
  "access-control-allow-headers",
  "access-control-allow-methods",
  "access-control-allow-origin",
  "access-control-expose-headers",
  "age",
  "alt-svc",
  "cache-control",
  "connection",
  "content-disposition",
  "content-encoding",
  "content-language",
  "content-length",
  "content-location",
  "content-range",
  "content-security-policy",
  "content-type",
  "date",
  "etag",
  "expires",
  "keep-alive",
  "last-modified",
  "link",
  "location",
  "pragma",
  "proxy-authenticate",
  "referrer-policy",
  "retry-after",
  "server",
  "set-cookie",
  "strict-transport-security",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "vary",
  "via",
  "www-authenticate",
  "x-content-type-options",
  "x-frame-options",
  "x-powered-by",
  "x-request-id",
  "x-xss-protection"
]

/** The common names as bytes, and the ids of those of each length. */
const KNOWN_BYTES: ReadonlyArray<Uint8Array> = COMMON_NAMES.map((name) => Buffer.from(name, "latin1"))
const KNOWN_BY_LENGTH: Array<Array<number>> = []
COMMON_NAMES.forEach((name, id) => (KNOWN_BY_LENGTH[name.length] ??= []).push(id))

/** Values longer than this are not remembered for reuse. */
const MEMO_MAX = 96

/**
 * Header objects inherit from an empty, frozen, prototype-less object: no
 * name (`constructor`, `__proto__`) can hit an inherited property, yet V8
 * keeps them in fast mode, which a null-prototype object would not be.
 */
const FIELDS_PROTO: object = Object.freeze(Object.create(null))
const newFields = (): Record<string, string> => Object.create(FIELDS_PROTO) as Record<string, string>

const addField = (fields: Record<string, string>, name: string, value: string): void => {
  const prev = fields[name]
  fields[name] = prev === undefined ? value : `${prev}, ${value}`
}

const latin1 = (buf: Buffer, start: number, end: number): string => buf.toString("latin1", start, end)

/** Whether `buf[start, end)` holds the characters of `s`. */
const sameBytes = (buf: Buffer, start: number, end: number, s: string): boolean => {
  if (s.length !== end - start) return false
  for (let i = start; i < end; i++) if (buf[i] !== s.charCodeAt(i - start)) return false
  return true
}

const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)

/** Splits a comma-separated list, trimming OWS and dropping empty elements (RFC 9110 §5.6.1). */
const listElements = (value: string): Array<string> => {
  const out: Array<string> = []
  const n = value.length
  let i = 0
  while (i <= n) {
    let start = i
    while (i < n && value.charCodeAt(i) !== COMMA) i++
    let end = i
    while (start < end && isOws(value.charCodeAt(start))) start++
    while (end > start && isOws(value.charCodeAt(end - 1))) end--
    if (end > start) out.push(value.slice(start, end))
    i++
  }
  return out
}

const isOws = (c: number): boolean => c === SP || c === HTAB

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

const CONNECTION_CLOSE = 1
const CONNECTION_KEEP_ALIVE = 2

const INVALID_LENGTH = -1
const CONFLICTING_LENGTH = -2

/** A Content-Length value, which may be a list of identical lengths (RFC 9110 §8.6). */
const parseContentLength = (value: string): number => {
  const elements = listElements(value)
  if (elements.length === 0) return INVALID_LENGTH
  let result = -1
  for (const element of elements) {
    let n = 0
    for (let i = 0; i < element.length; i++) {
      const d = element.charCodeAt(i) - 0x30
      if (d < 0 || d > 9) return INVALID_LENGTH
      n = n * 10 + d
      if (n > Number.MAX_SAFE_INTEGER) return INVALID_LENGTH
    }
    if (result >= 0 && n !== result) return CONFLICTING_LENGTH
    result = n
  }
  return result
}

const hexByte = (c: number): string => `0x${c.toString(16).padStart(2, "0")}`

/**
 * Parses the responses of one HTTP/1.1 connection, in order.
 *
 * After a response whose `keepAlive` is false (including a 101), any
 * further byte is reported as "UnsolicitedResponse": the connection is
 * done, and bytes past a 101 belong to another protocol.
 *
 * @since 0.1.0
 */
export class ResponseParser {
  private readonly maxHeaderBytes: number
  private readonly maxHeaderCount: number
  private readonly maxInterimResponses: number
  /** Interim responses before the final one of the current exchange. */
  private interimCount = 0
  private state = State.Idle
  private error: ParseError | undefined = undefined
  /** Whether each announced request was a HEAD, oldest first from `queueStart`. */
  private readonly queue: Array<boolean> = []
  private queueStart = 0
  /** A response said the connection ends after it. */
  private last = false

  /** The incomplete last line of a head or trailer section, carried to the next chunk. */
  private carry: Buffer = Buffer.allocUnsafe(256)
  private carryLen = 0

  // The header or trailer section being parsed.
  private sectionBytes = 0
  private fieldCount = 0
  private fields = newFields()

  // The response head being parsed.
  private statusSeen = false
  /** A 1xx came before the final response: the exchange has started. */
  private interimSeen = false
  private status = 0
  private reason = ""
  private minorVersion: 0 | 1 = 1
  private setCookie: Array<string> | undefined = undefined
  private contentLength = -1
  private transferEncoding = false
  private chunked = false
  private connectionClose = false
  private connectionKeepAlive = false
  private keepAlive = true
  /** The last Content-Length and Connection values seen on this connection, and what they meant. */
  private lengthText: string | undefined = undefined
  private lengthValue = 0
  private connectionText: string | undefined = undefined
  private connectionOptions = 0
  /** The last value of each common field on this connection, by name id, reused when the bytes repeat. */
  private readonly memo: Array<string | undefined> = []

  // The body being parsed.
  private remaining = 0
  private chunkDigits = 0
  private extBytes = 0

  constructor(
    private readonly handler: ResponseHandler,
    limits?: ParserLimits
  ) {
    this.maxHeaderBytes = limits?.maxHeaderBytes ?? 16384
    this.maxHeaderCount = limits?.maxHeaderCount ?? 100
    this.maxInterimResponses = limits?.maxInterimResponses ?? 16
  }

  /** Announces the next request written on the connection, in order; the parser needs it to know that a HEAD response has no body. Pipelining calls it several times ahead. */
  expect(isHead: boolean): void {
    this.queue.push(isHead)
  }

  /** True between messages with no partial input buffered. */
  get idle(): boolean {
    return this.state === State.Idle && !this.interimSeen
  }

  /** Number of expected responses not yet completed. */
  get pending(): number {
    return this.queue.length - this.queueStart
  }

  /** Feeds bytes. Parses as many whole or partial messages as the input holds, invoking the handler. Returns a ParseError on malformed input (after which the parser is dead and must not be fed again), else undefined. Bytes arriving when no response is expected yield "UnsolicitedResponse". */
  feed(chunk: Uint8Array): ParseError | undefined {
    if (this.state === State.Dead) {
      return (this.error ??= {
        reason: "UnsolicitedResponse",
        detail: "bytes after the connection was closed"
      })
    }
    const buf = asBuffer(chunk)
    const end = buf.length
    let pos = 0
    if (this.carryLen > 0) pos = this.resumeLine(buf)
    while (pos >= 0 && pos < end) {
      switch (this.state) {
        case State.Idle:
        case State.IdleCr:
          pos = this.between(buf, pos)
          break
        case State.Head:
        case State.Trailers:
          pos = this.line(buf, pos, end)
          break
        case State.Length: {
          const n = Math.min(this.remaining, end - pos)
          this.remaining -= n
          const view = buf.subarray(pos, (pos += n))
          this.handler.onBody(view)
          if (this.remaining === 0) this.complete(undefined)
          break
        }
        case State.Close:
          this.handler.onBody(buf.subarray(pos, end))
          pos = end
          break
        default:
          pos = this.chunkedBody(buf, pos, end)
      }
    }
    return pos < 0 ? this.error : undefined
  }

  /** The peer closed the connection. Completes a close-delimited body (calls onComplete); returns "TruncatedBody" / "TruncatedHead" if a message was in progress; undefined when idle between messages. */
  finish(): ParseError | undefined {
    const state = this.state
    if (state === State.Dead) return this.error
    this.carryLen = 0
    switch (state) {
      case State.Idle:
      case State.IdleCr:
        if (this.interimSeen) this.fail("TruncatedHead", "connection closed after an interim response")
        break
      case State.Head:
        this.fail("TruncatedHead", "connection closed within the response head")
        break
      case State.Close:
        this.complete(undefined)
        break
      case State.Length:
        this.fail("TruncatedBody", `connection closed with ${this.remaining} bytes of the body missing`)
        break
      default:
        this.fail("TruncatedBody", "connection closed within a chunked body")
    }
    this.state = State.Dead
    return this.error
  }

  private fail(reason: ParseErrorReason, detail: string): number {
    this.error = { reason, detail }
    this.state = State.Dead
    return FAILED
  }

  /** Reports an error in a complete line, as BareCR when the line holds a CR, whatever else is wrong with it. */
  private lineFail(
    buf: Buffer,
    start: number,
    end: number,
    reason: ParseErrorReason,
    detail: string
  ): number {
    for (let i = start; i < end; i++) {
      if (buf[i] === CR) return this.fail("BareCR", "CR not followed by LF in the head")
    }
    return this.fail(reason, detail)
  }

  private tooLarge(): number {
    return this.state === State.Trailers
      ? this.fail("HeaderTooLarge", `trailer section over ${this.maxHeaderBytes} bytes`)
      : this.fail("HeaderTooLarge", `status line and header section over ${this.maxHeaderBytes} bytes`)
  }

  /** Bytes between responses: a stray empty line is tolerated, anything else starts a response. */
  private between(buf: Buffer, pos: number): number {
    const c = buf[pos]!
    if (this.state === State.IdleCr) {
      if (c !== LF) return this.fail("BareCR", "CR not followed by LF before the status line")
      this.state = State.Idle
      return pos + 1
    }
    if (this.last) return this.fail("UnsolicitedResponse", "bytes after a response that ended the connection")
    if (this.queue.length === this.queueStart) {
      return this.fail("UnsolicitedResponse", "bytes when no response was expected")
    }
    if (c === LF) return pos + 1
    if (c === CR) {
      this.state = State.IdleCr
      return pos + 1
    }
    this.state = State.Head
    return pos
  }

  /** Parses the next line of a head or trailer section, or carries it over when it is incomplete. */
  private line(buf: Buffer, pos: number, end: number): number {
    const lf = buf.indexOf(LF, pos)
    if (lf < 0) {
      if (this.sectionBytes + (end - pos) > this.maxHeaderBytes) return this.tooLarge()
      this.stash(buf, pos, end)
      return end
    }
    return this.parseLine(buf, pos, lf)
  }

  /** Completes the carried line with the start of `buf`; returns where the rest of `buf` begins. */
  private resumeLine(buf: Buffer): number {
    const lf = buf.indexOf(LF)
    const take = lf < 0 ? buf.length : lf + 1
    if (this.sectionBytes + this.carryLen + take > this.maxHeaderBytes) return this.tooLarge()
    this.stash(buf, 0, take)
    if (lf < 0) return take
    const len = this.carryLen
    this.carryLen = 0
    return this.parseLine(this.carry, 0, len - 1) < 0 ? FAILED : take
  }

  private stash(buf: Buffer, start: number, end: number): void {
    const needed = this.carryLen + end - start
    if (needed > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.carry.length * 2))
      this.carry.copy(grown, 0, 0, this.carryLen)
      this.carry = grown
    }
    buf.copy(this.carry, this.carryLen, start, end)
    this.carryLen = needed
  }

  /** Parses the line from `start` to the LF at `lf`; returns the position after it. */
  private parseLine(buf: Buffer, start: number, lf: number): number {
    this.sectionBytes += lf + 1 - start
    if (this.sectionBytes > this.maxHeaderBytes) return this.tooLarge()
    // A recipient may take a bare LF as a line end (RFC 9112 §2.2).
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf
    let r: number
    if (!this.statusSeen && this.state === State.Head) r = this.statusLine(buf, start, end)
    else if (end === start) r = this.state === State.Head ? this.headDone() : this.trailersDone()
    else r = this.fieldLine(buf, start, end)
    return r < 0 ? FAILED : lf + 1
  }

  private statusLine(buf: Buffer, start: number, end: number): number {
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
    if (
      end - start < 5 ||
      buf[start] !== 0x48 ||
      buf[start + 1] !== 0x54 ||
      buf[start + 2] !== 0x54 ||
      buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f
    ) {
      return this.lineFail(buf, start, end, "InvalidStatusLine", 'status line does not start with "HTTP/"')
    }
    let i = start + 5
    if (end - i < 3) return this.lineFail(buf, start, end, "InvalidVersion", "malformed HTTP version")
    const major = buf[i]!
    const minor = buf[i + 2]!
    if (!isDigit(major) || buf[i + 1] !== 0x2e || !isDigit(minor) || (i + 3 < end && buf[i + 3] !== SP)) {
      return this.lineFail(buf, start, end, "InvalidVersion", "malformed HTTP version")
    }
    if (major !== 0x31 || (minor !== 0x30 && minor !== 0x31)) {
      return this.lineFail(
        buf,
        start,
        end,
        "InvalidVersion",
        `unsupported version HTTP/${latin1(buf, i, i + 3)}`
      )
    }
    i += 4
    let status = 0
    for (let j = 0; j < 3; j++) {
      const c = i + j < end ? buf[i + j]! : 0
      if (!isDigit(c)) {
        return this.lineFail(buf, start, end, "InvalidStatusLine", "status code is not 3 digits")
      }
      status = status * 10 + c - 0x30
    }
    i += 3
    if (status < 100) {
      return this.lineFail(buf, start, end, "InvalidStatusLine", `status code ${status} out of range`)
    }
    if (i < end && buf[i++] !== SP) {
      return this.lineFail(buf, start, end, "InvalidStatusLine", "status code is not 3 digits")
    }
    for (let j = i; j < end; j++) {
      if (FIELD_VALUE[buf[j]!] === 0) {
        return this.lineFail(
          buf,
          start,
          end,
          "InvalidStatusLine",
          `invalid byte ${hexByte(buf[j]!)} in reason phrase`
        )
      }
    }
    this.statusSeen = true
    this.status = status
    this.minorVersion = minor === 0x31 ? 1 : 0
    if (!sameBytes(buf, i, end, this.reason)) this.reason = latin1(buf, i, end)
    return 0
  }

  private fieldLine(buf: Buffer, start: number, end: number): number {
    if (++this.fieldCount > this.maxHeaderCount) {
      return this.fail("TooManyHeaders", `more than ${this.maxHeaderCount} fields in a section`)
    }
    let i = start
    let upper = false
    for (; i < end; i++) {
      const t = TCHAR[buf[i]!]
      if (t === 0) break
      if (t === 2) upper = true
    }
    if (i === start) {
      const c = buf[start]!
      if (c === SP || c === HTAB) return this.lineFail(buf, start, end, "ObsFold", "obsolete line folding")
      return this.lineFail(
        buf,
        start,
        end,
        "InvalidHeaderName",
        `invalid byte ${hexByte(c)} at start of field name`
      )
    }
    if (i === end) return this.lineFail(buf, start, end, "InvalidHeaderName", "field line without a colon")
    if (buf[i] !== COLON) {
      return this.lineFail(
        buf,
        start,
        end,
        "InvalidHeaderName",
        `invalid byte ${hexByte(buf[i]!)} in field name`
      )
    }
    const id = knownName(buf, start, i)
    const name =
      id >= 0 ? COMMON_NAMES[id]! : upper ? latin1(buf, start, i).toLowerCase() : latin1(buf, start, i)
    i++
    while (i < end && FIELD_VALUE[buf[i]!] === 2) i++
    const valueStart = i
    for (; i < end; i++) {
      if (FIELD_VALUE[buf[i]!] === 0) {
        return this.lineFail(
          buf,
          start,
          end,
          "InvalidHeaderValue",
          `invalid byte ${hexByte(buf[i]!)} in "${name}"`
        )
      }
    }
    let valueEnd = end
    while (valueEnd > valueStart && FIELD_VALUE[buf[valueEnd - 1]!] === 2) valueEnd--
    let value: string
    if (id < 0 || valueEnd - valueStart > MEMO_MAX) {
      value = latin1(buf, valueStart, valueEnd)
    } else {
      // A server tends to repeat most values on every response of a connection.
      const memo = this.memo[id]
      value =
        memo !== undefined && sameBytes(buf, valueStart, valueEnd, memo)
          ? memo
          : latin1(buf, valueStart, valueEnd)
      this.memo[id] = value
    }
    if (this.state === State.Trailers) {
      addField(this.fields, name, value)
      return 0
    }
    switch (name) {
      case "set-cookie":
        ;(this.setCookie ??= []).push(value)
        return 0
      case "content-length": {
        // Memoized values are the same string when the bytes repeat: most responses skip the parse.
        const n = value === this.lengthText ? this.lengthValue : parseContentLength(value)
        this.lengthText = value
        this.lengthValue = n
        if (n === INVALID_LENGTH) {
          return this.fail("InvalidContentLength", `invalid Content-Length "${value}"`)
        }
        if (n === CONFLICTING_LENGTH || (this.contentLength >= 0 && n !== this.contentLength)) {
          return this.fail("ConflictingContentLength", "Content-Length fields disagree")
        }
        this.contentLength = n
        break
      }
      case "transfer-encoding":
        if (this.transferEncodingField(value) < 0) return FAILED
        break
      case "connection": {
        let options = value === this.connectionText ? this.connectionOptions : -1
        if (options < 0) {
          options = 0
          for (const option of listElements(value.toLowerCase())) {
            if (option === "close") options |= CONNECTION_CLOSE
            else if (option === "keep-alive") options |= CONNECTION_KEEP_ALIVE
          }
          this.connectionText = value
          this.connectionOptions = options
        }
        if ((options & CONNECTION_CLOSE) !== 0) this.connectionClose = true
        if ((options & CONNECTION_KEEP_ALIVE) !== 0) this.connectionKeepAlive = true
        break
      }
    }
    addField(this.fields, name, value)
    return 0
  }

  /** Notes the codings of a Transfer-Encoding field; chunked may only be the last one. */
  private transferEncodingField(value: string): number {
    const codings = listElements(value)
    if (codings.length === 0) return this.fail("InvalidTransferEncoding", "empty Transfer-Encoding")
    this.transferEncoding = true
    for (const element of codings) {
      const semicolon = element.indexOf(";")
      let coding = semicolon < 0 ? element : element.slice(0, semicolon)
      let end = coding.length
      while (end > 0 && isOws(coding.charCodeAt(end - 1))) end--
      coding = coding.slice(0, end).toLowerCase()
      if (!isToken(coding)) return this.fail("InvalidTransferEncoding", `invalid coding "${element}"`)
      if (this.chunked) {
        return this.fail("InvalidTransferEncoding", "chunked is not the final transfer coding")
      }
      if (coding === "chunked") this.chunked = true
    }
    return 0
  }

  /** Decides the framing of the response once its head is complete (RFC 9112 §6.3). */
  private headDone(): number {
    const status = this.status
    const http11 = this.minorVersion === 1
    let keepAlive = !this.connectionClose && (http11 || this.connectionKeepAlive)
    // Both framings, or a coding an HTTP/1.0 peer cannot have meant: possible smuggling (§6.1, §6.3).
    if (this.transferEncoding && (this.contentLength >= 0 || !http11)) keepAlive = false
    if (status < 200 && status !== 101) {
      const head = this.makeHead(keepAlive, "none", -1)
      // The head budget covers every interim response and the final one:
      // otherwise an endless stream of small 1xx heads would never end.
      const spent = this.sectionBytes
      this.resetHead()
      this.sectionBytes = spent
      if (++this.interimCount > this.maxInterimResponses) {
        return this.fail("TooManyInterimResponses", `more than ${this.maxInterimResponses} interim responses`)
      }
      this.interimSeen = true
      this.state = State.Idle
      this.handler.onInformational(head)
      return 0
    }
    let kind: BodyKind
    if (status === 101) {
      kind = "none"
      keepAlive = false
    } else if (this.queue[this.queueStart] === true || status === 204 || status === 304) {
      kind = "none"
    } else if (this.transferEncoding) {
      kind = this.chunked && http11 ? "chunked" : "close-delimited"
    } else if (this.contentLength >= 0) {
      kind = "content-length"
    } else {
      kind = "close-delimited"
    }
    if (kind === "close-delimited") keepAlive = false
    const head = this.makeHead(keepAlive, kind, kind === "content-length" ? this.contentLength : -1)
    this.keepAlive = keepAlive
    if (kind === "chunked") {
      this.state = State.ChunkSize
      this.remaining = 0
      this.chunkDigits = 0
    } else if (kind === "close-delimited") {
      this.state = State.Close
    } else if (kind === "content-length" && this.contentLength > 0) {
      this.state = State.Length
      this.remaining = this.contentLength
    } else {
      this.handler.onHead(head)
      this.complete(undefined)
      return 0
    }
    this.handler.onHead(head)
    return 0
  }

  private trailersDone(): number {
    const trailers = this.fields
    this.fields = newFields()
    this.complete(trailers)
    return 0
  }

  private makeHead(keepAlive: boolean, bodyKind: BodyKind, contentLength: number): ResponseHead {
    return {
      status: this.status,
      reason: this.reason,
      minorVersion: this.minorVersion,
      headers: this.fields,
      setCookie: this.setCookie ?? EMPTY,
      keepAlive,
      bodyKind,
      contentLength
    }
  }

  private resetHead(): void {
    this.statusSeen = false
    this.sectionBytes = 0
    this.fieldCount = 0
    this.fields = newFields()
    this.setCookie = undefined
    this.contentLength = -1
    this.transferEncoding = false
    this.chunked = false
    this.connectionClose = false
    this.connectionKeepAlive = false
  }

  private complete(trailers: Record<string, string> | undefined): void {
    this.queueStart++
    if (this.queueStart === this.queue.length) {
      this.queue.length = 0
      this.queueStart = 0
    } else if (this.queueStart >= 64) {
      // A pipeline that never drains would otherwise grow the queue forever.
      this.queue.splice(0, this.queueStart)
      this.queueStart = 0
    }
    if (!this.keepAlive) this.last = true
    this.resetHead()
    this.interimSeen = false
    this.interimCount = 0
    this.state = State.Idle
    this.handler.onComplete(trailers)
  }

  /** Chunk framing (RFC 9112 §7.1), a byte at a time except for the data. */
  private chunkedBody(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      switch (this.state) {
        case State.ChunkData: {
          const n = Math.min(this.remaining, end - pos)
          this.remaining -= n
          const view = buf.subarray(pos, (pos += n))
          if (this.remaining === 0) this.state = State.ChunkDataCr
          this.handler.onBody(view)
          break
        }
        case State.ChunkSize: {
          const c = buf[pos]!
          const h = HEX[c]!
          if (h >= 0) {
            this.remaining = this.remaining * 16 + h
            if (this.remaining > Number.MAX_SAFE_INTEGER)
              return this.fail("ChunkTooLarge", "chunk size over 2^53 - 1")
            if (++this.chunkDigits > 16) return this.fail("InvalidChunkSize", "chunk size over 16 hex digits")
          } else if (this.chunkDigits === 0) {
            return this.fail("InvalidChunkSize", `invalid byte ${hexByte(c)} where a chunk size was expected`)
          } else if (c === CR) {
            this.state = State.ChunkSizeLf
          } else if (c === SEMICOLON) {
            this.state = State.ChunkExt
            this.extBytes = 0
          } else if (c === SP || c === HTAB) {
            this.state = State.ChunkWs
          } else {
            return this.fail("InvalidChunkSize", `invalid byte ${hexByte(c)} in chunk size`)
          }
          pos++
          break
        }
        case State.ChunkWs: {
          const c = buf[pos++]!
          if (c === CR) this.state = State.ChunkSizeLf
          else if (c === SEMICOLON) {
            this.state = State.ChunkExt
            this.extBytes = 0
          } else if (c !== SP && c !== HTAB) {
            return this.fail("InvalidChunkSize", `invalid byte ${hexByte(c)} after chunk size`)
          }
          break
        }
        case State.ChunkExt: {
          // Extensions mean nothing to us; skip them, bounded, without buffering.
          for (; pos < end; pos++) {
            const c = buf[pos]!
            if (c === CR) {
              this.state = State.ChunkSizeLf
              pos++
              break
            }
            if (FIELD_VALUE[c] === 0)
              return this.fail("InvalidChunk", `invalid byte ${hexByte(c)} in chunk extension`)
            if (++this.extBytes > this.maxHeaderBytes)
              return this.fail("InvalidChunk", "chunk extension too long")
          }
          break
        }
        case State.ChunkSizeLf:
          if (buf[pos++] !== LF) return this.fail("InvalidChunk", "chunk-size line not ended by CRLF")
          if (this.remaining > 0) {
            this.state = State.ChunkData
          } else {
            this.state = State.Trailers
            this.sectionBytes = 0
            this.fieldCount = 0
            this.fields = newFields()
          }
          break
        case State.ChunkDataCr:
          if (buf[pos++] !== CR) return this.fail("InvalidChunk", "chunk data not followed by CRLF")
          this.state = State.ChunkDataLf
          break
        case State.ChunkDataLf:
          if (buf[pos++] !== LF) return this.fail("InvalidChunk", "chunk data not followed by CRLF")
          this.state = State.ChunkSize
          this.chunkDigits = 0
          break
        default:
          return pos
      }
    }
    return pos
  }
}

/** The id of a common field name, matched case-insensitively, else -1. */
const knownName = (buf: Buffer, start: number, end: number): number => {
  const ids = KNOWN_BY_LENGTH[end - start]
  if (ids === undefined) return -1
  candidates: for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!
    const known = KNOWN_BYTES[id]!
    // The name is a token and common names are lower-case letters, digits and "-":
    // `| 0x20` folds upper-case letters and maps no other token byte onto those.
    for (let j = start; j < end; j++) if ((buf[j]! | 0x20) !== known[j - start]) continue candidates
    return id
  }
  return -1
}
