import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
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
      events.push({ type: "error", reason: error.reason })
      return events
    }
  }
  if (c.finish === true) {
    const error = parser.finish()
    events.push(error === undefined ? { type: "finished" } : { type: "error", reason: error.reason })
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
      expect(parse(c, bytesOf(c.input)).at(-1)).toEqual({ type: "error", reason: c.reason })
    })
  }

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
