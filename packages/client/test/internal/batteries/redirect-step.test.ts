import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { nextStep, type Step } from "../../../src/internal/batteries/redirect-step.js"

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const

const redirect = (request: HttpClientRequest.HttpClientRequest, status: number, location: string) =>
  HttpClientResponse.fromWeb(request, new Response(null, { status, headers: { location } }))

const step = (method: (typeof methods)[number], status: number, from: string, location: string) => {
  const request = HttpClientRequest.make(method)(from).pipe(
    HttpClientRequest.setHeaders({ authorization: "Bearer t", cookie: "c=1", "x-kept": "1" }),
    (r) => (method === "GET" || method === "HEAD" ? r : HttpClientRequest.bodyText(r, "body"))
  )
  return nextStep(request, redirect(request, status, location), [], false)
}

describe("redirect steps", () => {
  it("methods change as the Fetch standard has them, and credentials stay with their origin", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...methods),
        fc.constantFrom(301, 302, 303, 307, 308),
        fc.boolean(),
        (method, status, crossOrigin) => {
          const location = crossOrigin ? "https://other.test/next" : "/next"
          const result = step(method, status, "https://a.test/start?x=1", location) as Step
          const toGet =
            (status === 303 && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST")
          expect(result.request.method).toBe(toGet ? "GET" : method)
          expect(result.request.body._tag).toBe(
            toGet || method === "GET" || method === "HEAD" ? "Empty" : "Uint8Array"
          )
          expect(result.request.headers.authorization === undefined).toBe(crossOrigin)
          expect(result.request.headers.cookie === undefined).toBe(crossOrigin)
          expect(result.request.headers["x-kept"]).toBe("1")
          expect(result.strippedCredentials).toBe(crossOrigin)
          expect(result.hop).toEqual({
            method,
            url: "https://a.test/start?x=1",
            status,
            location: crossOrigin ? location : "https://a.test/next"
          })
        }
      )
    )
  })

  it("other statuses, and a missing Location, are no redirect", () => {
    const request = HttpClientRequest.get("https://a.test/")
    expect(nextStep(request, redirect(request, 300, "/x"), [], false)).toBeUndefined()
    expect(nextStep(request, redirect(request, 304, "/x"), [], false)).toBeUndefined()
    const bare = HttpClientResponse.fromWeb(request, new Response(null, { status: 302 }))
    expect(nextStep(request, bare, [], false)).toBeUndefined()
  })

  it("a fragment-less Location keeps the request's fragment", () => {
    const request = HttpClientRequest.get("https://a.test/start#part")
    const result = nextStep(request, redirect(request, 302, "/next"), [], false) as Step
    expect(result.hop.location).toBe("https://a.test/next#part")
  })
})
