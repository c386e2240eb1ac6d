import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "fast-check"
import { acceptEncoding } from "../../../src/internal/batteries/decoders.js"
import * as Decompression from "../../../src/Decompression.js"
import { makePrelude, userAgent } from "../../../src/internal/batteries/prelude.js"
import type { Prelude } from "../../../src/internal/batteries/stack.js"

/** `prelude` of `request` on a fiber, with `locally` applied around it. */
const apply = (
  prelude: Prelude,
  request: HttpClientRequest.HttpClientRequest,
  locally: <A>(effect: Effect.Effect<A>) => Effect.Effect<A> = (effect) => effect
) =>
  Effect.runSync(
    locally(
      Effect.withFiberRuntime<HttpClientRequest.HttpClientRequest>((fiber) =>
        Effect.succeed(prelude(request, fiber))
      )
    )
  )

const defaults = { "user-agent": userAgent, accept: "*/*", "accept-encoding": acceptEncoding }

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/)
const value = fc.stringMatching(/^[ -~]{0,16}$/)
const own = fc.dictionary(fc.oneof(name, fc.constantFrom("accept", "user-agent", "accept-encoding")), value, {
  maxKeys: 5
})

describe("prelude", () => {
  it("a request without headers takes the client's header set as it is", () => {
    const prelude = makePrelude({ defaults: {}, acceptEncoding: true })!
    const first = apply(prelude, HttpClientRequest.get("http://a.test/"))
    const second = apply(prelude, HttpClientRequest.get("http://a.test/x"))
    expect({ ...first.headers }).toEqual(defaults)
    expect(first.headers).toBe(second.headers)
  })

  it("sends the defaults the request lacks, the request's own headers as they are", () => {
    const prelude = makePrelude({ defaults: { headers: { "x-team": "core" } }, acceptEncoding: true })!
    fc.assert(
      fc.property(own, (headers) => {
        const request = HttpClientRequest.get("http://a.test/", { headers })
        const sent = apply(prelude, request)
        expect({ ...sent.headers }).toEqual({ ...defaults, "x-team": "core", ...request.headers })
        expect(sent.url).toBe(request.url)
        expect(Headers.has(request.headers, "user-agent")).toBe(headers["user-agent"] !== undefined)
      })
    )
  })

  it("leaves Accept-Encoding out when the fiber turned decompression off, and a client-wide one wins", () => {
    const prelude = makePrelude({ defaults: {}, acceptEncoding: true })!
    expect(
      apply(prelude, HttpClientRequest.get("http://a.test/"), Decompression.disabled).headers[
        "accept-encoding"
      ]
    ).toBe(undefined)
    const identity = makePrelude({
      defaults: { headers: { "Accept-Encoding": "identity" } },
      acceptEncoding: true
    })!
    expect(apply(identity, HttpClientRequest.get("http://a.test/")).headers["accept-encoding"]).toBe(
      "identity"
    )
  })

  it("returns a request that needs nothing as it is", () => {
    const prelude = makePrelude({ defaults: {}, acceptEncoding: false })!
    const request = HttpClientRequest.get("http://a.test/", { headers: { accept: "a", "user-agent": "b" } })
    expect(apply(prelude, request)).toBe(request)
    expect(
      makePrelude({ defaults: { userAgent: false, accept: false }, acceptEncoding: false })
    ).toBeUndefined()
  })
})
