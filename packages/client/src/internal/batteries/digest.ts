/**
 * HTTP Digest access authentication, RFC 7616: MD5, SHA-256 and
 * SHA-512-256 with their `-sess` variants, `qop=auth`, and the RFC 2069
 * form for servers that offer no qop.
 */
import { createHash, randomBytes } from "node:crypto"
import type { Challenge } from "./www-authenticate.js"

const hashes: ReadonlyMap<string, string> = new Map([
  ["md5", "md5"],
  ["sha-256", "sha256"],
  ["sha-512-256", "sha512-256"]
])

/** What a Digest challenge asked for, checked usable by this client. */
export interface DigestChallenge {
  readonly realm: string
  readonly nonce: string
  readonly opaque: string | undefined
  /** As the server spelled it, echoed back. */
  readonly algorithm: string
  readonly hash: string
  readonly session: boolean
  readonly qop: "auth" | undefined
  readonly userhash: boolean
  readonly stale: boolean
}

/** The challenge, or `undefined` when it asks for what this client does not do (auth-int only, unknown algorithm). */
export const digestChallenge = (challenge: Challenge): DigestChallenge | undefined => {
  const { params } = challenge
  const realm = params.get("realm")
  const nonce = params.get("nonce")
  if (challenge.scheme !== "digest" || realm === undefined || nonce === undefined) return undefined
  const algorithm = params.get("algorithm") ?? "MD5"
  const lower = algorithm.toLowerCase()
  const session = lower.endsWith("-sess")
  const hash = hashes.get(session ? lower.slice(0, -5) : lower)
  if (hash === undefined) return undefined
  const qops = params.get("qop")
  let qop: "auth" | undefined = undefined
  if (qops !== undefined) {
    if (!qops.split(",").some((q) => q.trim().toLowerCase() === "auth")) return undefined
    qop = "auth"
  }
  return {
    realm,
    nonce,
    opaque: params.get("opaque"),
    algorithm,
    hash,
    session,
    qop,
    userhash: params.get("userhash")?.toLowerCase() === "true",
    stale: params.get("stale")?.toLowerCase() === "true"
  }
}

/** The strongest usable challenge: SHA-512-256, then SHA-256, then MD5. */
export const strongest = (challenges: ReadonlyArray<Challenge>): DigestChallenge | undefined => {
  const rank = (c: DigestChallenge) => (c.hash === "sha512-256" ? 3 : c.hash === "sha256" ? 2 : 1)
  let best: DigestChallenge | undefined = undefined
  for (const challenge of challenges) {
    const digest = digestChallenge(challenge)
    if (digest !== undefined && (best === undefined || rank(digest) > rank(best))) best = digest
  }
  return best
}

const quote = (value: string): string => `"${value.replace(/[\\"]/g, "\\$&")}"`

/** A fresh client nonce. */
export const makeCnonce = (): string => randomBytes(16).toString("hex")

/**
 * The `Authorization` value answering `challenge` for `method` and `uri`
 * (the request target), as the `nc`-th use of its nonce.
 */
export const authorization = (
  challenge: DigestChallenge,
  credentials: { readonly username: string; readonly password: string },
  method: string,
  uri: string,
  nc: number,
  cnonce: string = makeCnonce()
): string => {
  const h = (data: string) => createHash(challenge.hash).update(data).digest("hex")
  const { realm, nonce, qop } = challenge
  let ha1 = h(`${credentials.username}:${realm}:${credentials.password}`)
  if (challenge.session) ha1 = h(`${ha1}:${nonce}:${cnonce}`)
  const ha2 = h(`${method}:${uri}`)
  const count = nc.toString(16).padStart(8, "0")
  const response =
    qop === undefined ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${count}:${cnonce}:${qop}:${ha2}`)
  const username = challenge.userhash ? h(`${credentials.username}:${realm}`) : credentials.username
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(nonce)}`
  ]
  if (qop !== undefined) parts.push(`nc=${count}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`)
  parts.push(`response=${quote(response)}`)
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`)
  if (challenge.userhash) parts.push("userhash=true")
  return `Digest ${parts.join(", ")}`
}
