import { X509Certificate, createPrivateKey } from "node:crypto"
import * as tls from "node:tls"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpTestServer, TestCerts } from "@effect-requests/testing"
import { connectTls } from "./helpers.js"

const x509 = (pem: string) => new X509Certificate(pem)
const TEN_YEARS = 10 * 365 * 24 * 60 * 60 * 1000
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"

describe("TestCerts", () => {
  describe("files", () => {
    it("the CAs are self-signed authorities valid for more than ten years", () => {
      for (const pem of [TestCerts.ca, TestCerts.otherCa]) {
        const ca = x509(pem)
        expect(ca.ca).toBe(true)
        expect(ca.checkIssued(ca)).toBe(true)
        expect(Date.parse(ca.validTo) - Date.parse(ca.validFrom)).toBeGreaterThan(TEN_YEARS)
      }
      expect(x509(TestCerts.ca).fingerprint256).not.toBe(x509(TestCerts.otherCa).fingerprint256)
    })

    it("every key pair matches, and each certificate is signed by its CA only", () => {
      const ca = x509(TestCerts.ca)
      const otherCa = x509(TestCerts.otherCa)
      const pairs = [
        [TestCerts.leaf, ca],
        [TestCerts.leafAOnly, ca],
        [TestCerts.client, ca],
        [TestCerts.otherClient, otherCa]
      ] as const
      for (const [pair, issuer] of pairs) {
        const cert = x509(pair.cert)
        expect(cert.ca).toBe(false)
        expect(cert.checkPrivateKey(createPrivateKey(pair.key))).toBe(true)
        expect(cert.verify(issuer.publicKey)).toBe(true)
        expect(cert.verify((issuer === ca ? otherCa : ca).publicKey)).toBe(false)
      }
    })

    it("the server certificates carry the expected names", () => {
      const leaf = x509(TestCerts.leaf.cert)
      expect(leaf.subjectAltName).toBe(
        "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:a.test, DNS:b.test, DNS:*.wild.test"
      )
      expect(leaf.keyUsage).toEqual([SERVER_AUTH])
      expect(x509(TestCerts.leafAOnly.cert).subjectAltName).toBe("DNS:a.test, IP Address:127.0.0.1")
    })

    it("the client certificates are for client authentication", () => {
      expect(x509(TestCerts.client.cert).keyUsage).toEqual([CLIENT_AUTH])
      expect(x509(TestCerts.otherClient.cert).keyUsage).toEqual([CLIENT_AUTH])
    })

    it("directory points at the PEM files", () => {
      expect(TestCerts.directory).toMatch(/[/\\]certs[/\\]$/)
    })
  })

  describe("over TLS", () => {
    it.scoped("the leaf is accepted for each of its names", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: true })
        for (const servername of ["localhost", "a.test", "b.test", "x.wild.test"]) {
          const socket = yield* connectTls(server.port, { ca: TestCerts.ca, servername })
          expect(socket.authorized).toBe(true)
          socket.destroy()
        }
        const socket = yield* connectTls(server.port, { ca: TestCerts.ca })
        const peer = socket.getPeerCertificate()
        expect(tls.checkServerIdentity("127.0.0.1", peer)).toBeUndefined()
        expect(tls.checkServerIdentity("::1", peer)).toBeUndefined()
        expect(tls.checkServerIdentity("127.0.0.2", peer)).toBeInstanceOf(Error)
      })
    )

    it.scoped("the leaf is refused for names it does not cover", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: true })
        for (const servername of ["c.test", "wild.test", "a.b.wild.test"]) {
          const failure = yield* Effect.flip(connectTls(server.port, { ca: TestCerts.ca, servername }))
          expect(failure).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" })
        }
      })
    )

    it.scoped("the leaf is refused by a client trusting the other CA", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: true })
        const failure = yield* Effect.flip(
          connectTls(server.port, { ca: TestCerts.otherCa, servername: "a.test" })
        )
        expect(failure).toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
      })
    )

    it.scoped("the a.test-only leaf covers a.test but not b.test", () =>
      Effect.gen(function* () {
        const server = yield* HttpTestServer.make({ tls: TestCerts.leafAOnly })
        const socket = yield* connectTls(server.port, { ca: TestCerts.ca, servername: "a.test" })
        expect(socket.authorized).toBe(true)
        const failure = yield* Effect.flip(
          connectTls(server.port, { ca: TestCerts.ca, servername: "b.test" })
        )
        expect(failure).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" })
      })
    )
  })
})
