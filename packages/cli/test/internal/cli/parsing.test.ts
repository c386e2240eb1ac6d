import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { expandShortOptions } from "../../../src/internal/cli/argv.js"
import { outcomeOf } from "../../../src/internal/cli/exit-codes.js"
import { parseItem, parsePositionals } from "../../../src/internal/cli/items.js"
import { render } from "../../../src/internal/cli/progress.js"
import { format } from "../../../src/internal/cli/write-out.js"

describe("items", () => {
  it("reads each separator, the earliest and longest first", () => {
    expect(parseItem("q==a=b")).toEqual({ _tag: "Query", name: "q", value: "a=b" })
    expect(parseItem("n:=[1]")).toEqual({ _tag: "Json", name: "n", value: [1] })
    expect(parseItem("n=a:b")).toEqual({ _tag: "Json", name: "n", value: "a:b" })
    expect(parseItem("X-A: 1")).toEqual({ _tag: "Header", name: "X-A", value: "1" })
    expect(parseItem("a\\=b=c")).toEqual({ _tag: "Json", name: "a=b", value: "c" })
    expect(() => parseItem("n:={")).toThrow(/not valid JSON/)
  })

  it("tells the method, the URLs and the items apart", () => {
    expect(parsePositionals(["PUT", "localhost:8080/x", "a=1", "http://b/"])).toMatchObject({
      method: "PUT",
      urls: ["localhost:8080/x", "http://b/"],
      items: [{ _tag: "Json", name: "a", value: "1" }]
    })
    expect(() => parsePositionals([])).toThrow(/no URL/)
  })

  it("a name=value item keeps any value that does not make it another kind of item", () => {
    // "a==x" is a query parameter, as in HTTPie: a value starting with "=" makes that item instead.
    const value = fc.string().filter((v) => !v.startsWith("="))
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), value, (name, value) => {
        expect(parseItem(`${name}=${value}`)).toEqual({ _tag: "Json", name, value })
      })
    )
  })
})

describe("short options", () => {
  it("splits clusters and glued values, and leaves the rest", () => {
    expect(expandShortOptions(["-sSfL", "-XPUT", "-sow.bin", "--", "-sS"])).toEqual([
      "-s",
      "-S",
      "-f",
      "-L",
      "-X",
      "PUT",
      "-s",
      "-o",
      "w.bin",
      "--",
      "-sS"
    ])
    expect(expandShortOptions(["-sq", "--silent"])).toEqual(["-sq", "--silent"])
  })
})

describe("write-out and progress", () => {
  it("formats curl's variables and escapes", () => {
    const facts = {
      httpCode: 200,
      timeTotal: 1234.5,
      timeStartTransfer: 10,
      sizeDownload: 5,
      sizeUpload: 0,
      urlEffective: "http://a/",
      httpVersion: "2",
      contentType: "text/plain",
      numRedirects: 0,
      exitCode: 0,
      method: "GET"
    }
    expect(format("%{http_code} %{time_total}\\n%{nope}", facts)).toBe("200 1.234500\n%{nope}")
  })

  it("draws percentage, rate and ETA within the width", () => {
    expect(render("download", 512 * 1024, 1024 * 1024, 1000, 100)).toMatch(
      /^download \[#+-+\] {2}50% {2}512\.0 KiB \/ 1\.0 MiB {2}512\.0 KiB\/s {2}ETA 1s$/
    )
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), fc.nat(1e6), (done, total, elapsed) => {
        expect(render("up", Math.min(done, total), total, elapsed, 120).length).toBeLessThanOrEqual(120)
      })
    )
  })
})

describe("exit codes", () => {
  it("looks through @effect/platform's errors to the client's", () => {
    const cause = { _tag: "ConnectError", phase: "dns", code: "ENOTFOUND", message: "dns failed" }
    expect(outcomeOf({ _tag: "RequestError", message: "x", cause }).code).toBe(6)
    expect(outcomeOf({ _tag: "TlsError", code: "CERT_HAS_EXPIRED", message: "" }).code).toBe(60)
    expect(outcomeOf({ _tag: "TooManyRedirectsError", message: "" }).code).toBe(47)
    expect(outcomeOf(new Error("boom")).code).toBe(1)
  })
})
