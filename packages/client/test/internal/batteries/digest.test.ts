import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { authorization, digestChallenge, strongest } from "../../../src/internal/batteries/digest.js"
import { parseChallenges } from "../../../src/internal/batteries/www-authenticate.js"

// RFC 7616 section 3.9.1.
const rfc = {
  realm: "http-auth@example.org",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
  opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
  cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  credentials: { username: "Mufasa", password: "Circle of Life" }
}
const header = (algorithm: string) =>
  `Digest realm="${rfc.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${rfc.nonce}", opaque="${rfc.opaque}"`

const responseOf = (value: string) => parseChallenges(value)[0]!.params.get("response")

describe("Digest", () => {
  it("matches the examples of RFC 7616", () => {
    for (const [algorithm, expected] of [
      ["MD5", "8ca523f5e9506fed4657c9700eebdbec"],
      ["SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"]
    ] as const) {
      const challenge = digestChallenge(parseChallenges(header(algorithm))[0]!)!
      const value = authorization(challenge, rfc.credentials, "GET", "/dir/index.html", 1, rfc.cnonce)
      expect(responseOf(value)).toBe(expected)
      expect(value).toContain("nc=00000001")
      expect(value).toContain(`opaque="${rfc.opaque}"`)
      expect(value).toContain("qop=auth,")
    }
  })

  it("picks the strongest usable challenge, and refuses what it cannot do", () => {
    const both = parseChallenges(`${header("MD5")}, ${header("SHA-256")}, Basic realm="x"`)
    expect(both.map((c) => c.scheme)).toEqual(["digest", "digest", "basic"])
    expect(strongest(both)?.algorithm).toBe("SHA-256")
    expect(strongest(parseChallenges(`Digest realm="r", nonce="n", qop="auth-int"`))).toBeUndefined()
    expect(strongest(parseChallenges(`Digest realm="r", nonce="n", algorithm=SHA-1`))).toBeUndefined()
    const sess = strongest(parseChallenges(`Digest realm="r", nonce="n", algorithm=SHA-256-sess, stale=TRUE`))
    expect(sess).toMatchObject({ session: true, hash: "sha256", stale: true, qop: undefined })
  })

  it("quoted parameters survive any content", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (realm, nonce) => {
        const escape = (s: string) => s.replace(/[\\"]/g, "\\$&")
        const [parsed] = parseChallenges(`Digest realm="${escape(realm)}", nonce="${escape(nonce)}"`)
        expect(parsed!.params.get("realm")).toBe(realm)
        expect(parsed!.params.get("nonce")).toBe(nonce)
      })
    )
  })
})
