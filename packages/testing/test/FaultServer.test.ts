import * as http from "node:http"
import * as http2 from "node:http2"
import * as https from "node:https"
import type * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, type Scope } from "effect"
import { FaultServer, LeakCheck, TestCerts, Wait } from "@effect-requests/testing"
import { FaultPlan } from "../src/internal/fault-plan.js"
import { closed, connectTls, readAll, write } from "./helpers.js"

const none: FaultServer.FaultRates = {
  closeAfterResponse: 0,
  closeWhenIdle: 0,
  goaway: 0,
  refuseStream: 0,
  resetStream: 0,
  stall: 0,
  truncateBody: 0,
  cancelBody: 0,
  interimFlood: 0,
  delayHeaders: 0,
  earlyResponse: 0
}

/** Every request gets this fault. */
const only = (kind: FaultServer.FaultKind): FaultServer.FaultRates => ({ ...none, [kind]: 1 })

interface Reply {
  readonly status: number
  readonly contentLength: number | undefined
  readonly body: string
  /** HTTP/2: the code the stream closed with, 0 for a clean end. HTTP/1.1: whether the body was cut. */
  readonly rstCode: number
  /** HTTP/2: bytes the session's socket had written when the stream closed. */
  readonly sessionBytesWritten: number
}

const session = (
  server: FaultServer.FaultServer
): Effect.Effect<http2.ClientHttp2Session, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<http2.ClientHttp2Session, Error>((resume) => {
      const s = http2.connect(server.url, { ca: TestCerts.ca })
      s.on("error", () => s.destroy())
      s.once("connect", () => resume(Effect.succeed(s)))
      s.once("close", () => resume(Effect.fail(new Error("session closed before connecting"))))
    }),
    (s) => Effect.sync(() => s.destroy())
  )

/** One HTTP/2 request; settles when its stream closes, however. */
const h2 = (
  s: http2.ClientHttp2Session,
  id: string,
  options: { readonly method?: string; readonly body?: string; readonly path?: string } = {}
): Effect.Effect<Reply> =>
  Effect.async<Reply>((resume) => {
    const stream = s.request({
      ":path": options.path ?? "/x",
      ":method": options.method ?? "GET",
      "x-request-id": id,
      ...(options.body === undefined ? {} : { "content-length": Buffer.byteLength(options.body) })
    })
    let status = 0
    let contentLength: number | undefined = undefined
    const chunks: Array<Buffer> = []
    stream.on("response", (headers) => {
      status = headers[":status"] ?? 0
      const length = headers["content-length"]
      contentLength = length === undefined ? undefined : Number(length)
    })
    stream.on("data", (chunk: Buffer) => chunks.push(chunk))
    stream.on("error", () => stream.destroy())
    stream.once("close", () =>
      resume(
        Effect.succeed({
          status,
          contentLength,
          body: Buffer.concat(chunks).toString("utf8"),
          rstCode: stream.rstCode ?? 0,
          sessionBytesWritten: s.socket.bytesWritten
        })
      )
    )
    stream.end(options.body)
    return Effect.sync(() => stream.close(http2.constants.NGHTTP2_CANCEL))
  })

/** One HTTP/1.1 request on a connection of its own; `rstCode` 1 when the connection ended the body early. */
const h1 = (
  url: string,
  id: string,
  options: { readonly method?: string; readonly body?: string } = {}
): Effect.Effect<Reply> =>
  Effect.async<Reply>((resume) => {
    const client = url.startsWith("https:") ? https : http
    const req = client.request(
      `${url}/x`,
      { agent: false, ca: TestCerts.ca, method: options.method ?? "GET", headers: { "x-request-id": id } },
      (res) => {
        const chunks: Array<Buffer> = []
        const length = res.headers["content-length"]
        const reply = (cut: boolean): Reply => ({
          status: res.statusCode ?? 0,
          contentLength: length === undefined ? undefined : Number(length),
          body: Buffer.concat(chunks).toString("utf8"),
          rstCode: cut ? 1 : 0,
          sessionBytesWritten: 0
        })
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.once("end", () => resume(Effect.succeed(reply(false))))
        res.once("error", () => resume(Effect.succeed(reply(true))))
      }
    )
    req.once("error", (error) => resume(Effect.die(error)))
    req.end(options.body)
    return Effect.sync(() => {
      req.destroy()
    })
  })

const postHead = (id: string, length: number) =>
  `POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\nContent-Length: ${length}\r\n\r\n`

const rawRequest = (id: string) => `GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\n\r\n`

const answerOf = (id: string, method: string, bytes: number) => `${id} ${method} ${bytes}\n`

/** How many `200` heads `text` holds is `n`. */
const answers = (n: number) => (text: string) => text.match(/^HTTP\/1\.1 200/gm)?.length === n

/** Writes `data`, then collects what the socket receives until `done` holds for it. */
const exchange = (socket: net.Socket, data: string, done: (text: string) => boolean): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    let text = ""
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1")
      if (!done(text)) return
      socket.off("data", onData)
      resume(Effect.succeed(text))
    }
    socket.on("data", onData)
    socket.write(data)
    return Effect.sync(() => socket.off("data", onData))
  })

/** A request id whose `earlyResponse` under seed 1 stops the upload (`stop`) or reads it on. */
const earlyId = (stop: boolean): string => {
  const plan = new FaultPlan(1, only("earlyResponse"), 20)
  for (let i = 0; ; i++) {
    if (plan.decide(`e${i}`, "h2").cutAt < 0.5 === stop) return `e${i}`
  }
}

const MiB = 1024 * 1024

describe("FaultServer", () => {
  it.scoped(
    "answers each protocol with a body naming the request, and records it processed and answered",
    () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: none, plainHttp1: true })
        const s = yield* session(server)
        const get = yield* h2(s, "g2", { path: "/x?size=100" })
        expect(get).toMatchObject({ status: 200, contentLength: 100, rstCode: 0 })
        expect(get.body.startsWith(answerOf("g2", "GET", 0))).toBe(true)
        expect(get.body).toHaveLength(100)
        const post = yield* h2(s, "p2", { method: "POST", body: "hello" })
        expect(post.body.startsWith(answerOf("p2", "POST", 5))).toBe(true)
        expect(post.body).toHaveLength(64)
        expect((yield* h1(server.url, "g1")).body.startsWith(answerOf("g1", "GET", 0))).toBe(true)
        const plain = yield* h1(server.plainUrl!, "p1", { method: "POST", body: "abc" })
        expect(plain.body.startsWith(answerOf("p1", "POST", 3))).toBe(true)
        expect(Object.fromEntries(server.processed)).toEqual({ g2: 1, p2: 1, g1: 1, p1: 1 })
        expect(server.stats.arrivals).toEqual({ "http/1.1": 2, h2: 2 })
        expect(server.stats.processed).toEqual({ "http/1.1": 2, h2: 2 })
        expect(server.decisions.map((d) => [d.requestId, d.protocol, d.fault])).toEqual([
          ["g2", "h2", undefined],
          ["p2", "h2", undefined],
          ["g1", "http/1.1", undefined],
          ["p1", "http/1.1", undefined]
        ])
        expect(server.explain("p2")).toBe("p2 (seed 1): #0 h2 none; processed 1, answered 1")
        yield* Effect.sync(() => s.destroy())
        yield* server.awaitConnectionsClosed
        expect(Object.fromEntries(server.answered)).toEqual({ g2: 1, p2: 1, g1: 1, p1: 1 })
      })
  )

  it.scoped(
    "the await helpers give up in real time, under the TestClock, saying what they saw",
    () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: none })
        yield* connectTls(server.port, { ca: TestCerts.ca, ALPNProtocols: ["http/1.1"] })
        expect((yield* Effect.flip(server.awaitFaults("stall", 1, { timeoutMillis: 20 }))).message).toBe(
          "awaitFaults: wanted 1 stall fault, saw 0 after 20 ms"
        )
        const closing = Effect.locally(server.awaitConnectionsClosed, Wait.currentTimeoutMillis, 20)
        expect((yield* Effect.flip(closing)).message).toBe(
          "awaitConnectionsClosed: wanted 0 open connections, saw 1 after 20 ms"
        )
      }),
    10_000
  )

  it.scoped("the same seed draws the same faults for the same requests, another seed others", () =>
    Effect.gen(function* () {
      const faults: FaultServer.FaultRates = { ...FaultServer.defaultRates, stall: 0 }
      const run = (seed: number) =>
        Effect.gen(function* () {
          const server = yield* FaultServer.make({ seed, faults, plainHttp1: true })
          for (let i = 0; i < 40; i++) {
            // A connection per request: no fault of one can reach the next.
            const s = yield* session(server)
            yield* h2(s, `r${i}`)
            yield* Effect.sync(() => s.destroy())
            yield* h1(i % 2 === 0 ? server.url : server.plainUrl!, `r${i}`)
          }
          return server.decisions.map(({ index: _, ...decision }) => decision)
        })
      const first = yield* Effect.scoped(run(7))
      const again = yield* Effect.scoped(run(7))
      const other = yield* Effect.scoped(run(8))
      expect(again).toEqual(first)
      expect(first.filter((d) => d.fault !== undefined).length).toBeGreaterThan(0)
      expect(other).not.toEqual(first)
    })
  )

  it("a decision depends only on the seed, the request id and its attempt", () => {
    const plan = () => new FaultPlan(3, FaultServer.defaultRates, 20)
    const a = plan()
    const b = plan()
    const ids = Array.from({ length: 200 }, (_, i) => `id${i}`)
    const forward = ids.map((id) => a.decide(id, "h2"))
    const backward = ids
      .slice()
      .reverse()
      .map((id) => b.decide(id, "h2"))
      .reverse()
    expect(backward.map(({ index: _, ...d }) => d)).toEqual(forward.map(({ index: _, ...d }) => d))
    expect(a.decide("id0", "h2").attempt).toBe(1)
  })

  it("rejects probabilities that cannot be drawn", () => {
    expect(() => new FaultPlan(1, { ...none, goaway: 0.6, stall: 0.6 }, 20)).toThrow(RangeError)
    expect(() => new FaultPlan(1, { ...none, delayHeaders: -0.1 }, 20)).toThrow(RangeError)
  })

  describe("HTTP/2 faults", () => {
    it.scoped("refuseStream: REFUSED_STREAM before processing", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("refuseStream") })
        const reply = yield* h2(yield* session(server), "p", { method: "POST", body: "x" })
        expect(reply.rstCode).toBe(http2.constants.NGHTTP2_REFUSED_STREAM)
        expect(server.processed.get("p")).toBeUndefined()
        expect(server.faults.refuseStream).toBe(1)
      })
    )

    it.scoped("resetStream: INTERNAL_ERROR after processing", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("resetStream") })
        const reply = yield* h2(yield* session(server), "p", { method: "POST", body: "x" })
        expect(reply).toMatchObject({ status: 0, rstCode: http2.constants.NGHTTP2_INTERNAL_ERROR })
        expect(server.processed.get("p")).toBe(1)
        expect(server.faults.resetStream).toBe(1)
      })
    )

    it.scoped("truncateBody: the head promises more than the reset stream delivers", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("truncateBody") })
        const reply = yield* h2(yield* session(server), "g", { path: "/x?size=5000" })
        expect(reply).toMatchObject({
          status: 200,
          contentLength: 5000,
          rstCode: http2.constants.NGHTTP2_INTERNAL_ERROR
        })
        expect(reply.body.length).toBeLessThan(5000)
        expect(server.processed.get("g")).toBe(1)
        expect(server.answered.get("g")).toBeUndefined()
      })
    )

    it.scoped("cancelBody: part of the promised body, then CANCEL or NO_ERROR without END_STREAM", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("cancelBody") })
        const s = yield* session(server)
        for (const id of ["g1", "g2", "g3", "g4"]) {
          const reply = yield* h2(s, id, { path: "/x?size=5000" })
          expect(reply.contentLength).toBe(5000)
          expect(reply.body.length).toBeLessThan(5000)
          const [decision] = server.decisionsFor(id)
          expect(reply.rstCode).toBe(
            decision!.cutAt < 0.5 ? http2.constants.NGHTTP2_NO_ERROR : http2.constants.NGHTTP2_CANCEL
          )
          expect(server.processed.get(id)).toBe(1)
        }
        expect(server.faults.cancelBody).toBe(4)
      })
    )

    it.scoped("earlyResponse: answered on HEADERS, then RST_STREAM(NO_ERROR) stops the upload", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("earlyResponse") })
        const id = earlyId(true)
        const reply = yield* h2(yield* session(server), id, { method: "POST", body: "x".repeat(MiB) })
        expect(reply).toMatchObject({ status: 200, contentLength: 64, rstCode: 0 })
        expect(reply.sessionBytesWritten).toBeLessThan(MiB)
        expect(reply.body.startsWith(answerOf(id, "POST", MiB))).toBe(true)
        expect(reply.body.length).toBe(64)
        expect(server.processed.get(id)).toBe(1)
        expect(server.answered.get(id)).toBe(1)
        expect(server.faults.earlyResponse).toBe(1)
      })
    )

    it.scoped(
      "earlyResponse: answered on HEADERS, then the body is read on; a GET gets the plain answer",
      () =>
        Effect.gen(function* () {
          const server = yield* FaultServer.make({ seed: 1, faults: only("earlyResponse") })
          const s = yield* session(server)
          const id = earlyId(false)
          const reply = yield* h2(s, id, { method: "POST", body: "x".repeat(MiB) })
          expect(reply).toMatchObject({ status: 200, rstCode: 0 })
          expect(reply.body.startsWith(answerOf(id, "POST", MiB))).toBe(true)
          const get = yield* h2(s, "g")
          expect(get.body.startsWith(answerOf("g", "GET", 0))).toBe(true)
          expect(server.processed.get(id)).toBe(1)
          expect(server.faults.earlyResponse).toBe(1)
        })
    )

    it.scoped("interimFlood: 103s by the dozen, then the answer", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("interimFlood") })
        const reply = yield* h2(yield* session(server), "g")
        expect(reply.body.startsWith(answerOf("g", "GET", 0))).toBe(true)
        expect(server.faults.interimFlood).toBe(1)
        expect(FaultServer.interimFloodSize).toBeGreaterThan(16)
      })
    )

    it.scoped("delayHeaders: answered after up to maxDelayMillis", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("delayHeaders"), maxDelayMillis: 5 })
        const reply = yield* h2(yield* session(server), "g")
        expect(reply.body.startsWith(answerOf("g", "GET", 0))).toBe(true)
        const [decision] = server.decisionsFor("g")
        expect(decision?.delayMillis).toBeGreaterThanOrEqual(1)
        expect(decision?.delayMillis).toBeLessThanOrEqual(5)
        expect(server.faults.delayHeaders).toBe(1)
      })
    )

    it.scoped("goaway: streams above its last stream id are refused unprocessed, those below answered", () =>
      Effect.gen(function* () {
        const seed = 11
        const faults: FaultServer.FaultRates = { ...none, goaway: 0.5, delayHeaders: 0.5 }
        // Ids whose first arrival is delayed, and whose first arrival sends GOAWAY.
        const probe = new FaultPlan(seed, faults, 50)
        const ids = Array.from({ length: 100 }, (_, i) => `r${i}`).map((id) => probe.decide(id, "h2"))
        const delayed = ids.find((d) => d.fault === "delayHeaders" && d.delayMillis >= 20)!.requestId!
        const leaving = ids.find((d) => d.fault === "goaway")!.requestId!
        const server = yield* FaultServer.make({ seed, faults, maxDelayMillis: 50 })
        const s = yield* session(server)
        const goaway = Effect.async<number>((resume) => {
          s.once("goaway", (_code: number, lastStreamId: number) => resume(Effect.succeed(lastStreamId)))
        })
        // Both go out in one flush: the second arrives while the first waits for its answer.
        const [first, second, lastStreamId] = yield* Effect.all(
          [h2(s, delayed), h2(s, leaving, { method: "POST", body: "x" }), goaway],
          { concurrency: "unbounded" }
        )
        expect(lastStreamId).toBe(1)
        expect(first.body.startsWith(answerOf(delayed, "GET", 0))).toBe(true)
        expect(second.rstCode).toBe(http2.constants.NGHTTP2_REFUSED_STREAM)
        expect(server.processed.get(delayed)).toBe(1)
        expect(server.processed.get(leaving)).toBeUndefined()
        expect(server.faults.goaway).toBe(1)
        // Drained, the session is closed by the server.
        yield* server.awaitConnectionsClosed
      })
    )

    it.live("stall: the connection goes silent both ways, PING acknowledgements included", () =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* FaultServer.make({ seed: 1, faults: only("stall") })
          const s = yield* session(server)
          yield* Effect.fork(h2(s, "g"))
          yield* server.awaitFaults("stall", 1)
          const pong = yield* Effect.timeoutOption(
            Effect.async<void>((resume) => {
              s.ping(() => resume(Effect.void))
            }),
            "200 millis"
          )
          expect(Option.isNone(pong)).toBe(true)
          expect(server.processed.get("g")).toBe(1)
          expect(server.answered.get("g")).toBeUndefined()
          yield* Effect.sync(() => s.destroy())
          yield* server.awaitConnectionsClosed
        })
      )
    )
  })

  describe("HTTP/1.1 faults", () => {
    it.scoped(
      "closeAfterResponse: the socket ends after the answer; a request pipelined behind is dropped",
      () =>
        Effect.gen(function* () {
          const server = yield* FaultServer.make({ seed: 1, faults: only("closeAfterResponse") })
          const socket = yield* connectTls(server.port, { ca: TestCerts.ca, ALPNProtocols: ["http/1.1"] })
          yield* write(socket, rawRequest("a") + rawRequest("b"))
          const received = (yield* readAll(socket)).toString("latin1")
          expect(received.match(/^HTTP\/1\.1 200/gm)).toHaveLength(1)
          expect(received).not.toMatch(/connection: close/i)
          expect(received).toContain(`\r\n\r\n${answerOf("a", "GET", 0)}`)
          expect(Object.fromEntries(server.processed)).toEqual({ a: 1 })
          expect(server.faults.closeAfterResponse).toBe(1)
        })
    )

    it.scoped("closeWhenIdle: the socket is destroyed a moment after the answer", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("closeWhenIdle") })
        const socket = yield* connectTls(server.port, { ca: TestCerts.ca, ALPNProtocols: ["http/1.1"] })
        const received: Array<Buffer> = []
        socket.on("data", (chunk: Buffer) => received.push(chunk))
        yield* write(socket, rawRequest("a"))
        yield* closed(socket)
        expect(Buffer.concat(received).toString("latin1")).toMatch(/^HTTP\/1\.1 200[^]*\r\n\r\na GET 0\n/)
        expect(server.faults.closeWhenIdle).toBe(1)
        expect(server.answered.get("a")).toBe(1)
      })
    )

    it.scoped("truncateBody: the connection closes before the promised body is complete", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("truncateBody"), plainHttp1: true })
        const reply = yield* h1(server.plainUrl!, "g")
        expect(reply.contentLength).toBe(64)
        expect(reply.rstCode).toBe(1)
        expect(reply.body.length).toBeLessThan(64)
        expect(server.processed.get("g")).toBe(1)
        expect(server.answered.get("g")).toBeUndefined()
      })
    )

    it.scoped("interimFlood: 103s by the dozen, then the answer", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("interimFlood"), plainHttp1: true })
        const interim = yield* Effect.async<number>((resume) => {
          let count = 0
          const req = http.request(`${server.plainUrl!}/x`, {
            agent: false,
            headers: { "x-request-id": "a" }
          })
          req.on("information", () => count++)
          req.on("response", (res) => {
            res.resume()
            res.once("end", () => resume(Effect.succeed(count)))
          })
          req.end()
          return Effect.sync(() => req.destroy())
        })
        expect(interim).toBe(FaultServer.interimFloodSize)
        expect(server.faults.interimFlood).toBe(1)
      })
    )

    it.scoped("earlyResponse: answered on the head, then connection: close before the body came", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("earlyResponse") })
        const socket = yield* connectTls(server.port, { ca: TestCerts.ca, ALPNProtocols: ["http/1.1"] })
        const id = earlyId(true)
        yield* write(socket, postHead(id, MiB) + "part of it")
        const received = (yield* readAll(socket)).toString("latin1")
        expect(received).toMatch(/^HTTP\/1\.1 200[^]*connection: close/i)
        expect(received).toContain(`\r\n\r\n${answerOf(id, "POST", MiB)}`)
        expect(server.processed.get(id)).toBe(1)
        expect(server.faults.earlyResponse).toBe(1)
      })
    )

    it.scoped("earlyResponse: answered on the head, then the body is read on and the connection kept", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("earlyResponse") })
        const socket = yield* connectTls(server.port, { ca: TestCerts.ca, ALPNProtocols: ["http/1.1"] })
        const id = earlyId(false)
        // The answer comes while six bytes of the body are still unsent.
        const first = yield* exchange(socket, postHead(id, 10) + "abcd", answers(1))
        const text = first + (yield* exchange(socket, "efghij" + rawRequest("g"), answers(1)))
        expect(text).not.toMatch(/connection: close/i)
        expect(text).toContain(answerOf(id, "POST", 10))
        expect(text).toContain(answerOf("g", "GET", 0))
        expect(server.faults.earlyResponse).toBe(1)
        expect(server.stats.connectionsOpened).toBe(1)
      })
    )

    it.scoped("delayHeaders: answered after the delay", () =>
      Effect.gen(function* () {
        const server = yield* FaultServer.make({ seed: 1, faults: only("delayHeaders") })
        const reply = yield* h1(server.url, "g")
        expect(reply.body.startsWith(answerOf("g", "GET", 0))).toBe(true)
        expect(server.faults.delayHeaders).toBe(1)
      })
    )
  })

  it.effect("closing the scope closes every connection and clears the timers it armed", () =>
    Effect.gen(function* () {
      const before = yield* LeakCheck.snapshot
      yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* FaultServer.make({
            seed: 1,
            faults: only("delayHeaders"),
            maxDelayMillis: 50
          })
          const s = yield* session(server)
          yield* Effect.forkScoped(h2(s, "g"))
          // The delay's timer is armed when the scope closes.
          yield* server.awaitFaults("delayHeaders", 1)
        })
      )
      yield* LeakCheck.assertNoLeaks(before)
    })
  )
})
