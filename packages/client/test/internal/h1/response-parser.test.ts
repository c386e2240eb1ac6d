import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type ParserLimits,
  type ResponseHandler,
  type ResponseHead,
  ResponseParser
} from "../../../src/internal/h1/response-parser.js"
import { type Case, type Event, malformed, valid } from "./corpus.js"

const bytesOf = (s: string): Buffer => Buffer.from(s, "latin1")

/** A plain copy, so a head compares structurally whatever the parser's objects are. */
const snapshot = (head: ResponseHead): ResponseHead => ({
  ...head,
  headers: { ...head.headers },
  setCookie: [...head.setCookie]
})

/** Feeds `input` cut at `cuts` (in any order, repeats allowed) and records what the parser reports. */
const parse = (c: Case, input: Uint8Array, cuts: ReadonlyArray<number> = []): Array<Event> => {
  const events: Array<Event> = []
  const handler: ResponseHandler = {
    onInformational: (head) => events.push({ type: "informational", head: snapshot(head) }),
    onHead: (head) => events.push({ type: "head", head: snapshot(head) }),
    onBody: (chunk) => {
      // A view into the input, never a copy, and never empty.
      expect(chunk.buffer).toBe(input.buffer)
      expect(chunk.byteLength).toBeGreaterThan(0)
      const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1")
      const last = events.at(-1)
      if (last?.type === "body") events[events.length - 1] = { type: "body", data: last.data + data }
      else events.push({ type: "body", data })
    },
    onComplete: (trailers) => events.push({ type: "complete", trailers: trailers && { ...trailers } })
  }
  const parser = new ResponseParser(handler, c.limits)
  for (const isHead of c.expects) parser.expect(isHead)
  let at = 0
  for (const cut of [...[...cuts].sort((a, b) => a - b), input.length]) {
    const error = parser.feed(input.subarray(at, cut))
    at = cut
    if (error !== undefined) {
      events.push({ type: "error", reason: error.reason, detail: error.detail })
      return events
    }
  }
  if (c.finish === true) {
    const error = parser.finish()
    events.push(
      error === undefined
        ? { type: "finished" }
        : { type: "error", reason: error.reason, detail: error.detail }
    )
  }
  return events
}

/** A case with split points within its input. */
const splitCase = <C extends Case>(cases: ReadonlyArray<C>) =>
  fc
    .constantFrom(...cases)
    .chain((c) =>
      fc.tuple(
        fc.constant(c),
        fc.array(fc.integer({ min: 0, max: c.input.length }), { minLength: 1, maxLength: 24 })
      )
    )

const everySingleCut = (c: Case, check: (events: Array<Event>, cut: number) => void): void => {
  const input = bytesOf(c.input)
  for (let cut = 0; cut <= input.length; cut++) check(parse(c, input, [cut]), cut)
}

const byteByByte = (input: Uint8Array): Array<number> => Array.from({ length: input.length }, (_, i) => i)

describe("ResponseParser on valid responses", () => {
  for (const c of valid) {
    it(`${c.name}: one chunk`, () => {
      expect(parse(c, bytesOf(c.input))).toEqual(c.events)
    })
  }

  it("gives the same events for every cut into two chunks", () => {
    for (const c of valid) everySingleCut(c, (events) => expect(events).toEqual(c.events))
  })

  it("gives the same events fed byte by byte", () => {
    for (const c of valid) {
      const input = bytesOf(c.input)
      expect(parse(c, input, byteByByte(input))).toEqual(c.events)
    }
  })

  it("gives the same events under any split", () => {
    fc.assert(
      fc.property(splitCase(valid), ([c, cuts]) => {
        expect(parse(c, bytesOf(c.input), cuts)).toEqual(c.events)
      }),
      { numRuns: 1000 }
    )
  })

  it("accepts plain Uint8Arrays and emits views into them", () => {
    for (const c of valid) {
      const input = new Uint8Array(bytesOf(c.input))
      expect(parse(c, input, [7, 30])).toEqual(c.events)
    }
  })
})

describe("ResponseParser on malformed responses", () => {
  for (const c of malformed) {
    it(`${c.name}: ${c.reason}`, () => {
      expect(parse(c, bytesOf(c.input)).at(-1)).toMatchObject({ type: "error", reason: c.reason })
    })
  }

  it("says what is wrong in each case's detail", () => {
    const details = Object.fromEntries(
      malformed.map((c) => {
        const last = parse(c, bytesOf(c.input)).at(-1)
        return [c.name, last?.type === "error" ? last.detail : undefined]
      })
    )
    expect(details).toMatchInlineSnapshot(`
      {
        "17 hex digits": "chunk size over 16 hex digits",
        "CR in header value": "CR not followed by LF in the head",
        "CR without LF after chunk size": "chunk-size line not ended by CRLF",
        "Content-Length over 2^53": "invalid Content-Length "9007199254740992"",
        "DEL in header value": "invalid byte 0x7f in "x-a"",
        "HTTP/0.9": "unsupported version HTTP/0.9",
        "HTTP/1.2": "unsupported version HTTP/1.2",
        "HTTP/2.0": "unsupported version HTTP/2.0",
        "NUL in header value": "invalid byte 0x00 in "x-a"",
        "NUL in reason": "invalid byte 0x00 in reason phrase",
        "a Content-Length of 0, then another": "Content-Length fields disagree",
        "a response after Connection: close": "bytes after a response that ended the connection",
        "a second response to one request": "bytes when no response was expected",
        "a stray CRLF when nothing is expected": "bytes when no response was expected",
        "bad trailer name": "invalid byte 0x20 in field name",
        "bare CR between responses": "CR not followed by LF before the status line",
        "bare CR ending a header line": "CR not followed by LF in the head",
        "bare CR ending the head": "CR not followed by LF in the head",
        "bare CR in a field name": "CR not followed by LF in the head",
        "bare CR in a status code": "CR not followed by LF in the head",
        "bare CR in status line": "CR not followed by LF in the head",
        "bytes after a body longer than its Content-Length": "bytes when no response was expected",
        "bytes when nothing is expected": "bytes when no response was expected",
        "chunk data longer than its size": "chunk data not followed by CRLF",
        "chunk data not followed by LF": "chunk data not followed by CRLF",
        "chunk extension over the limit": "chunk extension too long",
        "chunk size ended by bare LF": "invalid byte 0x0a in chunk size",
        "chunk size of 2^53": "chunk size over 2^53 - 1",
        "chunked not last": "chunked is not the final transfer coding",
        "chunked twice": "chunked is not the final transfer coding",
        "closed after an interim response": "connection closed after an interim response",
        "conflicting Content-Length fields": "Content-Length fields disagree",
        "conflicting Content-Length list": "Content-Length fields disagree",
        "control byte in chunk extension": "invalid byte 0x01 in chunk extension",
        "empty Content-Length": "invalid Content-Length """,
        "empty Transfer-Encoding": "empty Transfer-Encoding",
        "empty chunk size": "invalid byte 0x0d where a chunk size was expected",
        "empty name": "invalid byte 0x3a at start of field name",
        "exponent Content-Length": "invalid Content-Length "1e3"",
        "four-digit status": "status code is not 3 digits",
        "garbage after chunk-size whitespace": "invalid byte 0x78 after chunk size",
        "header line that never ends": "status line and header section over 100 bytes",
        "header section over the limit": "status line and header section over 64 bytes",
        "header section that never ends": "status line and header section over 100 bytes",
        "hex prefix": "invalid byte 0x78 in chunk size",
        "huge Content-Length": "invalid Content-Length "99999999999999999999999999999999"",
        "huge chunk size": "chunk size over 2^53 - 1",
        "invalid coding": "invalid coding "gz/ip"",
        "letter for the major version": "malformed HTTP version",
        "letter for the minor version": "malformed HTTP version",
        "letter in the status code": "status code is not 3 digits",
        "lower-case protocol name": "status line does not start with "HTTP/"",
        "malformed version": "malformed HTTP version",
        "missing status code": "status code is not 3 digits",
        "negative Content-Length": "invalid Content-Length "-1"",
        "negative chunk size": "invalid byte 0x2d where a chunk size was expected",
        "no colon": "invalid byte 0x20 in field name",
        "no dot in the version": "malformed HTTP version",
        "no slash after HTTP": "status line does not start with "HTTP/"",
        "non-hex after digits": "invalid byte 0x67 in chunk size",
        "non-hex chunk size": "invalid byte 0x78 where a chunk size was expected",
        "non-numeric Content-Length": "invalid Content-Length "abc"",
        "non-token name": "invalid byte 0x28 in field name",
        "not HTTP": "status line does not start with "HTTP/"",
        "nothing after HTTP/": "malformed HTTP version",
        "obs-fold": "obsolete line folding",
        "obs-fold in trailers": "obsolete line folding",
        "obs-fold with a tab": "obsolete line folding",
        "short version": "malformed HTTP version",
        "signed Content-Length": "invalid Content-Length "+1"",
        "space before colon": "invalid byte 0x20 in field name",
        "status below 100": "status code 99 out of range",
        "status line of a second response not starting with HTTP/": "status line does not start with "HTTP/"",
        "status line starting "HTTX/"": "status line does not start with "HTTP/"",
        "status line starting "HTXP/"": "status line does not start with "HTTP/"",
        "status line starting "HXTP/"": "status line does not start with "HTTP/"",
        "status line starting "XTTP/"": "status line does not start with "HTTP/"",
        "too many headers": "more than 3 fields in a section",
        "too many trailers": "more than 3 fields in a section",
        "trailer section over the limit": "trailer section over 64 bytes",
        "truncated before the last chunk": "connection closed within a chunked body",
        "truncated chunked body": "connection closed within a chunked body",
        "truncated content-length body": "connection closed with 5 bytes of the body missing",
        "truncated head": "connection closed within the response head",
        "truncated trailer section": "connection closed within a chunked body",
        "two spaces before status": "status code is not 3 digits",
        "two-digit status": "status code is not 3 digits",
        "version and nothing else": "status code is not 3 digits",
        "version without a minor digit": "malformed HTTP version",
      }
    `)
  })

  it("gives the same events and error for every cut into two chunks", () => {
    for (const c of malformed) {
      const whole = parse(c, bytesOf(c.input))
      everySingleCut(c, (events) => expect(events).toEqual(whole))
    }
  })

  it("gives the same events and error fed byte by byte", () => {
    for (const c of malformed) {
      const input = bytesOf(c.input)
      expect(parse(c, input, byteByByte(input))).toEqual(parse(c, input))
    }
  })

  it("gives the same events and error under any split", () => {
    fc.assert(
      fc.property(splitCase(malformed), ([c, cuts]) => {
        const input = bytesOf(c.input)
        expect(parse(c, input, cuts)).toEqual(parse(c, input))
      }),
      { numRuns: 1000 }
    )
  })

  it("fails a header line that never ends as soon as it passes the limit", () => {
    const limit = 1024
    const parser = new ResponseParser(noop, { maxHeaderBytes: limit })
    parser.expect(false)
    let fed = 0
    for (const piece of ["HTTP/1.1 200 OK\r\n", "X-Endless: "]) {
      expect(parser.feed(bytesOf(piece))).toBeUndefined()
      fed += piece.length
    }
    const chunk = bytesOf("abcdefg")
    let error = parser.feed(chunk)
    while (error === undefined) {
      fed += chunk.length
      expect(fed).toBeLessThanOrEqual(limit)
      error = parser.feed(chunk)
    }
    expect(fed + chunk.length).toBeGreaterThan(limit)
    expect(error.reason).toBe("HeaderTooLarge")
  })

  it("fails a header section that never ends as soon as it passes the limit", () => {
    const limit = 2000
    const parser = new ResponseParser(noop, { maxHeaderBytes: limit, maxHeaderCount: 10_000 })
    parser.expect(false)
    const status = bytesOf("HTTP/1.1 200 OK\r\n")
    expect(parser.feed(status)).toBeUndefined()
    let fed = status.length
    const chunk = bytesOf("X-A: 1\r\nX")
    let error = parser.feed(chunk)
    while (error === undefined) {
      fed += chunk.length
      expect(fed).toBeLessThanOrEqual(limit)
      error = parser.feed(chunk)
    }
    expect(error.reason).toBe("HeaderTooLarge")
  })
})

describe("ResponseParser on arbitrary input", () => {
  const base = valid.map((c) => bytesOf(c.input))

  it("reads a mutated response the same whatever the split, without throwing", () => {
    const mutated = fc
      .record({
        index: fc.nat({ max: base.length - 1 }),
        at: fc.nat(),
        byte: fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x20, 0x2c, 0x30, 0x3a, 0x3b, 0x41, 0x7f, 0xe9),
        op: fc.constantFrom("replace", "insert", "delete")
      })
      .map(({ index, at, byte, op }) => {
        const input = base[index]!
        const i = at % input.length
        const before = input.subarray(0, i)
        const after = input.subarray(op === "insert" ? i : i + 1)
        const middle = op === "delete" ? [] : [byte]
        return { c: valid[index]!, input: Buffer.concat([before, Buffer.from(middle), after]) }
      })
    fc.assert(
      fc.property(mutated, fc.array(fc.nat(), { maxLength: 12 }), ({ c, input }, cuts) => {
        const points = cuts.map((n) => n % (input.length + 1))
        expect(parse(c, input, points)).toEqual(parse(c, input))
      }),
      { numRuns: 1000 }
    )
  })

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        const events = parse({ name: "random", input: "", expects: [false, false], finish: true }, input)
        expect(events.at(-1)?.type).toMatch(/^(error|finished)$/)
      }),
      { numRuns: 500 }
    )
  })
})

const noop: ResponseHandler = {
  onInformational: () => {},
  onHead: () => {},
  onBody: () => {},
  onComplete: () => {}
}

describe("ResponseParser state", () => {
  it("tracks pending responses and idleness", () => {
    const parser = new ResponseParser(noop)
    expect(parser.idle).toBe(true)
    expect(parser.pending).toBe(0)
    parser.expect(false)
    parser.expect(false)
    expect(parser.pending).toBe(2)
    expect(parser.feed(bytesOf("HTTP/1.1 200 OK\r\nContent-Le"))).toBeUndefined()
    expect(parser.idle).toBe(false)
    expect(parser.feed(bytesOf("ngth: 2\r\n\r\no"))).toBeUndefined()
    expect(parser.idle).toBe(false)
    expect(parser.pending).toBe(2)
    expect(parser.feed(bytesOf("k"))).toBeUndefined()
    expect(parser.idle).toBe(true)
    expect(parser.pending).toBe(1)
    expect(parser.feed(bytesOf("HTTP/1.1 100 Continue\r\n\r\n"))).toBeUndefined()
    expect(parser.idle).toBe(false)
    expect(parser.feed(bytesOf("HTTP/1.1 204 No Content\r\n\r\n"))).toBeUndefined()
    expect(parser.idle).toBe(true)
    expect(parser.pending).toBe(0)
  })

  it("lets the handler announce the next request from onComplete", () => {
    const statuses: Array<number> = []
    const parser: ResponseParser = new ResponseParser({
      ...noop,
      onHead: (head) => statuses.push(head.status),
      onComplete: () => {
        if (statuses.length < 3) parser.expect(false)
      }
    })
    parser.expect(false)
    const response = (status: number) => `HTTP/1.1 ${status} X\r\nContent-Length: 0\r\n\r\n`
    expect(parser.feed(bytesOf(response(200) + response(201) + response(202)))).toBeUndefined()
    expect(statuses).toEqual([200, 201, 202])
    expect(parser.pending).toBe(0)
  })

  it("keeps HEAD and GET apart along a long pipeline that never drains", () => {
    const kinds: Array<string> = []
    const parser = new ResponseParser({ ...noop, onHead: (head) => kinds.push(head.bodyKind) })
    const isHead = (i: number) => i % 3 === 1
    const response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
    let announced = 0
    for (; announced < 4; announced++) parser.expect(isHead(announced))
    for (let i = 0; i < 300; i++) {
      expect(parser.feed(bytesOf(isHead(i) ? response : `${response}ok`))).toBeUndefined()
      parser.expect(isHead(announced++))
      expect(parser.pending).toBe(4)
    }
    expect(kinds).toEqual(Array.from({ length: 300 }, (_, i) => (isHead(i) ? "none" : "content-length")))
  })

  it("ignores empty chunks", () => {
    const parser = new ResponseParser(noop)
    expect(parser.feed(new Uint8Array(0))).toBeUndefined()
    parser.expect(false)
    expect(parser.feed(new Uint8Array(0))).toBeUndefined()
    expect(parser.idle).toBe(true)
  })

  it("finishes cleanly when idle, even with a request still unanswered", () => {
    const parser = new ResponseParser(noop)
    parser.expect(false)
    expect(parser.finish()).toBeUndefined()
  })

  it("stays dead after an error", () => {
    const parser = new ResponseParser(noop)
    parser.expect(false)
    const error = parser.feed(bytesOf("HTTP/3 200 OK\r\n"))
    expect(error?.reason).toBe("InvalidVersion")
    expect(parser.feed(bytesOf("HTTP/1.1 200 OK\r\n\r\n"))).toBe(error)
    expect(parser.idle).toBe(false)
  })

  it("rejects bytes after finish", () => {
    const parser = new ResponseParser(noop)
    expect(parser.finish()).toBeUndefined()
    parser.expect(false)
    expect(parser.feed(bytesOf("HTTP/1.1 200 OK\r\n\r\n"))?.reason).toBe("UnsolicitedResponse")
  })

  it("gives headers that inherit no property", () => {
    let head: ResponseHead | undefined
    const parser = new ResponseParser({ ...noop, onHead: (h) => (head = h) })
    parser.expect(false)
    parser.feed(bytesOf("HTTP/1.1 200 OK\r\ntoString: x\r\nContent-Length: 0\r\n\r\n"))
    const headers = head?.headers ?? {}
    expect(headers["tostring"]).toBe("x")
    for (const name of ["valueOf", "constructor", "__proto__", "hasOwnProperty"])
      expect(headers[name]).toBeUndefined()
    expect(Object.keys(headers)).toEqual(["tostring", "content-length"])
  })

  it("never reuses a value from an earlier response when the bytes differ", () => {
    const dates: Array<string | undefined> = []
    const reasons: Array<string> = []
    const parser = new ResponseParser({
      ...noop,
      onHead: (h) => {
        dates.push(h.headers["date"])
        reasons.push(h.reason)
      }
    })
    const stamps = ["00:00:00", "00:00:00", "00:00:01", "10:00:01", "10:00:01x"]
    const codes = ["OK", "OK", "Ok", "", "Not Found"]
    for (let i = 0; i < stamps.length; i++) {
      parser.expect(false)
      const response = `HTTP/1.1 200 ${codes[i]}\r\nDate: Mon, 01 Jan 2024 ${stamps[i]} GMT\r\nContent-Length: 0\r\n\r\n`
      expect(parser.feed(bytesOf(response))).toBeUndefined()
    }
    expect(dates).toEqual(stamps.map((t) => `Mon, 01 Jan 2024 ${t} GMT`))
    expect(reasons).toEqual(codes)
  })
})

/** What the parser reports for `input`, checked to be the same for every cut into two chunks. */
const outcome = (
  input: string,
  options: { readonly limits?: ParserLimits; readonly expects?: ReadonlyArray<boolean> } = {}
): Array<Event> => {
  const c: Case = {
    name: input,
    input,
    expects: options.expects ?? [false],
    ...(options.limits === undefined ? {} : { limits: options.limits })
  }
  const whole = parse(c, bytesOf(input))
  everySingleCut(c, (events) => expect(events).toEqual(whole))
  return whole
}

const headsOf = (events: ReadonlyArray<Event>): Array<ResponseHead> =>
  events.flatMap((e) => (e.type === "head" ? [e.head] : []))

const errorOf = (events: ReadonlyArray<Event>): string | undefined => {
  const last = events.at(-1)
  return last?.type === "error" ? `${last.reason}: ${last.detail}` : undefined
}

describe("ResponseParser at its limits", () => {
  const ok = "HTTP/1.1 200 OK\r\n"
  const chunkedHead = ok + "Transfer-Encoding: chunked\r\n\r\n"

  it("takes a head of exactly maxHeaderBytes, counting every CRLF, and not one byte more", () => {
    const head = ok + "Content-Length: 0\r\nX-A: " + "a".repeat(40) + "\r\n\r\n"
    expect(outcome(head, { limits: { maxHeaderBytes: head.length } }).at(-1)).toEqual({
      type: "complete",
      trailers: undefined
    })
    expect(errorOf(outcome(head, { limits: { maxHeaderBytes: head.length - 1 } }))).toBe(
      `HeaderTooLarge: status line and header section over ${head.length - 1} bytes`
    )
  })

  it("takes a trailer section of exactly maxHeaderBytes, and not one byte more", () => {
    const trailers = "X-T: " + "t".repeat(60) + "\r\n\r\n"
    const input = chunkedHead + "0\r\n" + trailers
    expect(outcome(input, { limits: { maxHeaderBytes: trailers.length } }).at(-1)).toEqual({
      type: "complete",
      trailers: { "x-t": "t".repeat(60) }
    })
    expect(errorOf(outcome(input, { limits: { maxHeaderBytes: trailers.length - 1 } }))).toBe(
      `HeaderTooLarge: trailer section over ${trailers.length - 1} bytes`
    )
  })

  it("takes exactly maxHeaderCount fields in a head and in trailers", () => {
    const fields = "A: 1\r\nB: 2\r\nC: 3\r\n"
    const events = outcome(
      chunkedHead.replace("\r\n\r\n", "\r\n" + fields.slice(6) + "\r\n") + "0\r\n" + fields + "\r\n",
      {
        limits: { maxHeaderCount: 3 }
      }
    )
    expect(events.at(-1)).toEqual({ type: "complete", trailers: { a: "1", b: "2", c: "3" } })
  })

  it("takes exactly maxInterimResponses interim responses, and not one more", () => {
    const interim = "HTTP/1.1 100 Continue\r\n\r\n"
    const final = ok + "Content-Length: 0\r\n\r\n"
    const events = outcome(interim.repeat(2) + final, { limits: { maxInterimResponses: 2 } })
    expect(events.map((e) => e.type)).toEqual(["informational", "informational", "head", "complete"])
    expect(errorOf(outcome(interim.repeat(3) + final, { limits: { maxInterimResponses: 2 } }))).toBe(
      "TooManyInterimResponses: more than 2 interim responses"
    )
  })

  it("takes a chunk extension of exactly maxHeaderBytes bytes, and not one more", () => {
    const body = (n: number) => chunkedHead + "5;" + "e".repeat(n) + "\r\nhello\r\n0\r\n\r\n"
    expect(outcome(body(64), { limits: { maxHeaderBytes: 64 } }).at(-1)).toEqual({
      type: "complete",
      trailers: {}
    })
    expect(errorOf(outcome(body(65), { limits: { maxHeaderBytes: 64 } }))).toBe(
      "InvalidChunk: chunk extension too long"
    )
  })

  it("takes chunk sizes of 16 hex digits, up to 2^53 - 1", () => {
    const events = outcome(chunkedHead + "0000000000000005\r\nhello\r\n0\r\n\r\n")
    expect(events.at(-1)).toEqual({ type: "complete", trailers: {} })
    expect(errorOf(outcome(chunkedHead + "1fffffffffffff\r\nabc"))).toBeUndefined()
  })
})

describe("ResponseParser on framing that is unusual but valid", () => {
  const ok = "HTTP/1.1 200 OK\r\n"

  it("takes whitespace after a chunk size, before its extension or its CRLF", () => {
    const events = outcome(
      ok + "Transfer-Encoding: chunked\r\n\r\n5 \t;e=1\r\nhello\r\n6  \r\n world\r\n0\r\n\r\n"
    )
    expect(events.filter((e) => e.type === "body")).toEqual([{ type: "body", data: "hello world" }])
    expect(events.at(-1)).toEqual({ type: "complete", trailers: {} })
  })

  it("lower-cases a field name in capitals that is not a common one", () => {
    expect(headsOf(outcome(ok + "XYZ: 1\r\nContent-Length: 0\r\n\r\n"))[0]?.headers).toEqual({
      xyz: "1",
      "content-length": "0"
    })
  })

  it("reads transfer codings with parameters, whitespace and capitals", () => {
    const events = outcome(ok + "Transfer-Encoding: gzip ;q=1, CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    expect(headsOf(events)[0]?.bodyKind).toBe("chunked")
    expect(events.at(-1)).toEqual({ type: "complete", trailers: {} })
  })

  it("ends the connection after a response framed both ways, even by a Content-Length of 0", () => {
    const events = outcome(ok + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n")
    expect(headsOf(events)[0]?.keepAlive).toBe(false)
  })

  it("keeps framing fields in trailers as trailers, without reframing the response", () => {
    const first =
      ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: abc\r\nConnection: close\r\n\r\n"
    const events = outcome(first + ok + "Content-Length: 0\r\n\r\n", { expects: [false, false] })
    expect(events.filter((e) => e.type === "complete")).toEqual([
      { type: "complete", trailers: { "content-length": "abc", connection: "close" } },
      { type: "complete", trailers: undefined }
    ])
    expect(headsOf(events).map((h) => h.keepAlive)).toEqual([true, true])
  })

  it("keeps an HTTP/1.0 connection alive only for that response's own keep-alive option", () => {
    const events = outcome(
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n" +
        "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      { expects: [false, false] }
    )
    expect(headsOf(events).map((h) => h.keepAlive)).toEqual([true, false])
    const upgrade = outcome("HTTP/1.0 200 OK\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n")
    expect(headsOf(upgrade)[0]?.keepAlive).toBe(false)
  })

  it("carries a long field line over cuts that grow its buffer several times at once", () => {
    const value = "v".repeat(5000)
    const input = ok + "X-Long: " + value + "\r\nContent-Length: 0\r\n\r\n"
    const c: Case = { name: "long line", input, expects: [false] }
    const events = parse(c, bytesOf(input), [20, 4000])
    expect(headsOf(events)[0]?.headers["x-long"]).toBe(value)
  })
})
