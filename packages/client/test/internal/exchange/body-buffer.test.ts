/**
 * The body buffer both protocols fill: what the reader gets, when the owner
 * is told to read on or to stop, and how a limit and a failure are reported.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { LimitExceededError, TimeoutError } from "../../../src/Errors.js"
import { BodyBuffer, type BodyOwner } from "../../../src/internal/exchange/body-buffer.js"

/** An owner that counts what it is told. */
const owner = () => {
  const told = { resumed: 0, abandoned: 0 }
  const o: BodyOwner = {
    endpointKey: "http://127.0.0.1:1",
    protocol: "http/1.1",
    resumeReading: () => void told.resumed++,
    abandon: () => void told.abandoned++
  }
  return { owner: o, told }
}

const bytes = (...values: Array<number>) => new Uint8Array(values)
const stall = new TimeoutError({
  endpoint: "http://127.0.0.1:1",
  phase: "body",
  protocol: "http/1.1",
  timeoutMillis: 1
})

describe("BodyBuffer", () => {
  it("asks the owner to stop reading only once more than the high-water mark is buffered", () => {
    const { owner: o } = owner()
    const body = new BodyBuffer(o, 4)
    expect(body.push(bytes(1, 2))).toBe(false)
    expect(body.push(bytes(3, 4))).toBe(false)
    expect(body.push(bytes(5))).toBe(true)
  })

  it("is settled once ended or failed, and a second failure is refused", () => {
    const { owner: o } = owner()
    const ended = new BodyBuffer(o, 16)
    expect(ended.settled).toBe(false)
    ended.end()
    expect(ended.settled).toBe(true)
    expect(ended.fail(stall)).toBe(false)
    expect(ended.failure).toBeUndefined()

    const failed = new BodyBuffer(o, 16)
    expect(failed.fail(stall)).toBe(true)
    expect(failed.settled).toBe(true)
    expect(
      failed.fail(new TimeoutError({ endpoint: "x", phase: "body", protocol: "http/1.1", timeoutMillis: 2 }))
    ).toBe(false)
    expect(failed.failure).toBe(stall)
  })

  it("takeAll: undefined until the end, then every chunk joined in order, once", () => {
    const { owner: o, told } = owner()
    const body = new BodyBuffer(o, 16)
    body.push(bytes(1, 2))
    expect(body.takeAll()).toBeUndefined()
    body.push(bytes(3))
    body.end()
    expect(Array.from(body.takeAll()!)).toEqual([1, 2, 3])
    expect(told.resumed).toBe(1)
    expect(Array.from(body.takeAll()!)).toEqual([])
  })

  it.effect("readAll waits for the end, resumes the owner's reading, and never applies backpressure", () =>
    Effect.gen(function* () {
      const { owner: o, told } = owner()
      const body = new BodyBuffer(o, 1)
      body.push(bytes(1))
      const reading = yield* Effect.fork(body.readAll)
      yield* Effect.yieldNow()
      expect(told.resumed).toBe(1)
      // Collecting the whole body: past the high-water mark is no reason to stop the wire.
      expect(body.push(bytes(2, 3, 4))).toBe(false)
      expect(reading.unsafePoll()).toBeNull()
      body.end()
      expect(Array.from(yield* Fiber.join(reading))).toEqual([1, 2, 3, 4])
      expect(told.abandoned).toBe(0)
    })
  )

  it.effect(
    "readAtMost fails at once when more than the limit is already buffered, and gives the body up",
    () =>
      Effect.gen(function* () {
        const { owner: o, told } = owner()
        const body = new BodyBuffer(o, 64)
        body.push(bytes(1, 2, 3))
        const error = yield* Effect.flip(body.readAtMost(2))
        expect(error).toBeInstanceOf(LimitExceededError)
        expect(error).toMatchObject({
          endpoint: "http://127.0.0.1:1",
          protocol: "http/1.1",
          phase: "body",
          limit: "maxBodySize",
          value: 2,
          detail: "3 bytes of the body received"
        })
        expect(told.abandoned).toBe(1)
        expect(body.settled).toBe(true)
      })
  )

  it.effect("readAtMost accepts exactly the limit, buffered or still arriving", () =>
    Effect.gen(function* () {
      const { owner: o } = owner()
      const atOnce = new BodyBuffer(o, 64)
      atOnce.push(bytes(1, 2))
      atOnce.end()
      expect(Array.from(yield* atOnce.readAtMost(2))).toEqual([1, 2])

      const arriving = new BodyBuffer(o, 64)
      const reading = yield* Effect.fork(arriving.readAtMost(2))
      yield* Effect.yieldNow()
      arriving.push(bytes(1))
      arriving.push(bytes(2))
      arriving.end()
      expect(Array.from(yield* Fiber.join(reading))).toEqual([1, 2])
    })
  )

  it.effect("readAtMost fails as soon as what arrives passes the limit, dropping it", () =>
    Effect.gen(function* () {
      const { owner: o, told } = owner()
      const body = new BodyBuffer(o, 64)
      const reading = yield* Effect.fork(body.readAtMost(3))
      yield* Effect.yieldNow()
      body.push(bytes(1, 2))
      expect(told.abandoned).toBe(0)
      body.push(bytes(3, 4))
      expect(told.abandoned).toBe(1)
      const exit = yield* Fiber.await(reading)
      expect(exit).toMatchObject(
        Exit.fail(
          new LimitExceededError({
            endpoint: "http://127.0.0.1:1",
            protocol: "http/1.1",
            phase: "body",
            limit: "maxBodySize",
            value: 3,
            detail: "4 bytes of the body received"
          })
        )
      )
    })
  )

  it.effect("a failure reaches a waiting reader", () =>
    Effect.gen(function* () {
      const { owner: o } = owner()
      const body = new BodyBuffer(o, 64)
      const reading = yield* Effect.fork(body.readAll)
      yield* Effect.yieldNow()
      body.fail(stall)
      expect(yield* Effect.flip(Fiber.join(reading))).toBe(stall)
    })
  )

  it.effect("pull hands out what is buffered, then the failure or the end", () =>
    Effect.gen(function* () {
      const { owner: o, told } = owner()
      const failing = new BodyBuffer(o, 64)
      failing.push(bytes(1))
      failing.push(bytes(2))
      failing.fail(stall)
      const first = yield* failing.pull
      expect(Chunk.toReadonlyArray(first).map((c) => Array.from(c))).toEqual([[1], [2]])
      expect(told.resumed).toBe(1)
      expect(yield* Effect.flip(failing.pull)).toEqual(Option.some(stall))

      const ending = new BodyBuffer(o, 64)
      ending.push(bytes(3))
      ending.end()
      expect(Chunk.size(yield* ending.pull)).toBe(1)
      expect(yield* Effect.flip(ending.pull)).toEqual(Option.none())
    })
  )

  it.effect("a pull waits for the next chunk; interrupting it gives the body up", () =>
    Effect.gen(function* () {
      const { owner: o, told } = owner()
      const body = new BodyBuffer(o, 64)
      const waiting = yield* Effect.fork(body.pull)
      yield* Effect.yieldNow()
      body.push(bytes(7))
      expect(Chunk.toReadonlyArray(yield* Fiber.join(waiting)).map((c) => Array.from(c))).toEqual([[7]])
      expect(told.abandoned).toBe(0)

      const abandoned = yield* Effect.fork(body.pull)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(abandoned)
      expect(told.abandoned).toBe(1)
      // The interrupted reader's wake-up is gone: a later push wakes no one and breaks nothing.
      body.push(bytes(8))
      body.end()
      expect(Chunk.toReadonlyArray(yield* body.pull).map((c) => Array.from(c))).toEqual([[8]])
    })
  )

  it("abandon is passed to the owner", () => {
    const { owner: o, told } = owner()
    new BodyBuffer(o, 64).abandon()
    expect(told.abandoned).toBe(1)
  })
})
