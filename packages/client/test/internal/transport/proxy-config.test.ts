import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { fromEnvironment, NoProxy, parseProxy } from "../../../src/internal/transport/proxy-config.js"

describe("parseProxy", () => {
  it("reads scheme, host, port and percent-decoded credentials; the key never carries the password", () => {
    expect(parseProxy("http://us%40er:p%3Ass@proxy.corp:3128")).toEqual({
      protocol: "http",
      host: "proxy.corp",
      port: 3128,
      username: "us@er",
      password: "p:ss",
      key: "http://us%40er@proxy.corp:3128"
    })
  })

  it("defaults the port per scheme, reads a bare host:port as http, and unbrackets IPv6", () => {
    expect(parseProxy("proxy:8080")).toMatchObject({ protocol: "http", host: "proxy", port: 8080 })
    expect(parseProxy("https://proxy")).toMatchObject({ protocol: "https", port: 443 })
    expect(parseProxy("socks5h://[::1]")).toMatchObject({ protocol: "socks5h", host: "::1", port: 1080 })
    expect(parseProxy("socks5h://[::1]").key).toBe("socks5h://[::1]:1080")
  })

  it("refuses schemes it cannot speak", () => {
    expect(() => parseProxy("ftp://proxy:21")).toThrow(/unsupported proxy scheme/)
  })
})

describe("NoProxy (curl's rules)", () => {
  it("a name matches itself and its subdomains, with or without a leading dot, never a mere suffix", () => {
    const rules = new NoProxy("example.com, .internal, *.corp")
    expect(rules.matches("example.com", 80)).toBe(true)
    expect(rules.matches("api.example.com", 443)).toBe(true)
    expect(rules.matches("badexample.com", 80)).toBe(false)
    expect(rules.matches("internal", 80)).toBe(true)
    expect(rules.matches("a.b.internal", 80)).toBe(true)
    expect(rules.matches("x.corp", 80)).toBe(true)
    expect(rules.matches("EXAMPLE.COM", 80)).toBe(true)
    expect(rules.matches("example.org", 80)).toBe(false)
  })

  it("* alone matches everything; an empty list nothing", () => {
    expect(new NoProxy("*").matches("anything.test", 1)).toBe(true)
    expect(new NoProxy("").matches("anything.test", 1)).toBe(false)
    expect(new NoProxy(undefined).matches("anything.test", 1)).toBe(false)
  })

  it("ports restrict an entry to that port", () => {
    const rules = new NoProxy("example.com:8080, 10.0.0.1:443, [::1]:9000")
    expect(rules.matches("example.com", 8080)).toBe(true)
    expect(rules.matches("example.com", 80)).toBe(false)
    expect(rules.matches("10.0.0.1", 443)).toBe(true)
    expect(rules.matches("10.0.0.1", 80)).toBe(false)
    expect(rules.matches("::1", 9000)).toBe(true)
    expect(rules.matches("::1", 9001)).toBe(false)
  })

  it("IP addresses match by value, IPv6 in any spelling", () => {
    const rules = new NoProxy("127.0.0.1, 2001:db8::1")
    expect(rules.matches("127.0.0.1", 80)).toBe(true)
    expect(rules.matches("127.0.0.2", 80)).toBe(false)
    expect(rules.matches("2001:0db8:0000::0001", 80)).toBe(true)
  })

  it("CIDR blocks match every address inside them and none outside", () => {
    const rules = new NoProxy("10.0.0.0/8, fd00::/8")
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (b, c) => {
        expect(rules.matches(`10.${b}.${c}.1`, 80)).toBe(true)
        expect(rules.matches(`11.${b}.${c}.1`, 80)).toBe(false)
      })
    )
    expect(rules.matches("fd12::1", 80)).toBe(true)
    expect(rules.matches("fe80::1", 80)).toBe(false)
  })

  it("an entry for a name matches any subdomain of it, whatever the labels", () => {
    const label = fc.stringMatching(/^[a-z0-9]{1,10}$/)
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), label, (labels, tld) => {
        const domain = `${labels[labels.length - 1]}.${tld}`
        const rules = new NoProxy(`.${domain}`)
        expect(rules.matches(`${labels.join(".")}.${tld}`, 443)).toBe(true)
        expect(rules.matches(`x${domain}`, 443)).toBe(false)
      })
    )
  })
})

describe("fromEnvironment", () => {
  it("lower case wins over upper case; ALL_PROXY covers what is unset; empty counts as unset", () => {
    const env = fromEnvironment({
      http_proxy: "http://lower:1",
      HTTP_PROXY: "http://upper:2",
      HTTPS_PROXY: "",
      ALL_PROXY: "socks5h://all:1080",
      NO_PROXY: "localhost"
    })
    expect(env.http?.key).toBe("http://lower:1")
    expect(env.https?.key).toBe("socks5h://all:1080")
    expect(env.noProxy.matches("localhost", 80)).toBe(true)
  })

  it("nothing set means no proxy", () => {
    const env = fromEnvironment({})
    expect(env.http).toBeUndefined()
    expect(env.https).toBeUndefined()
  })
})
