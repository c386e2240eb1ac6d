/**
 * curl's cookie files: the Netscape format `-b FILE` reads and `-c FILE`
 * writes, to and from tough-cookie's serialized jar.
 *
 * @internal
 */
import type { Cookies } from "@effect-requests/client"

type SerializedJar = Cookies.SerializedCookieJar
type SerializedCookie = SerializedJar["cookies"][number]

const HTTP_ONLY = "#HttpOnly_"

/**
 * The cookies of a Netscape cookie file: one per line, seven tab-separated
 * fields (domain, subdomains too, path, secure, expiry in Unix seconds with
 * 0 for a session cookie, name, value). Comments and malformed lines are
 * skipped, as curl skips them.
 *
 * @internal
 */
export const parseCookieFile = (text: string): SerializedJar => {
  const cookies: Array<SerializedCookie> = []
  for (const raw of text.split(/\r?\n/)) {
    const httpOnly = raw.startsWith(HTTP_ONLY)
    const line = httpOnly ? raw.slice(HTTP_ONLY.length) : raw
    if (line === "" || line.startsWith("#")) continue
    const fields = line.split("\t")
    if (fields.length < 7) continue
    const [domain = "", subdomains, path = "/", secure, expiry, key = "", value = ""] = fields
    const seconds = Number(expiry)
    const hostOnly = subdomains !== "TRUE"
    cookies.push({
      key,
      value,
      domain: domain.startsWith(".") ? domain.slice(1) : domain,
      path,
      hostOnly,
      ...(secure === "TRUE" ? { secure: true } : {}),
      ...(httpOnly ? { httpOnly: true } : {}),
      ...(Number.isFinite(seconds) && seconds > 0 ? { expires: new Date(seconds * 1000).toISOString() } : {})
    })
  }
  return { version: "tough-cookie@6", storeType: "MemoryCookieStore", rejectPublicSuffixes: true, cookies }
}

const expirySeconds = (cookie: SerializedCookie): number => {
  const creation = typeof cookie["creation"] === "string" ? Date.parse(cookie["creation"]) : NaN
  const maxAge = cookie["maxAge"]
  if (typeof maxAge === "number" && Number.isFinite(creation)) return Math.floor(creation / 1000) + maxAge
  const expires = cookie["expires"]
  const at = typeof expires === "string" ? Date.parse(expires) : NaN
  return Number.isFinite(at) ? Math.floor(at / 1000) : 0
}

/**
 * A jar as curl writes it with `-c`: the Netscape format, session cookies
 * with expiry 0, HttpOnly ones marked with curl's `#HttpOnly_` prefix.
 *
 * @internal
 */
export const formatCookieFile = (jar: SerializedJar): string => {
  let text = "# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n# Written by ereq.\n\n"
  for (const cookie of jar.cookies) {
    const domain = String(cookie["domain"] ?? "")
    const hostOnly = cookie["hostOnly"] === true
    const fields = [
      `${cookie["httpOnly"] === true ? HTTP_ONLY : ""}${hostOnly ? domain : `.${domain}`}`,
      hostOnly ? "FALSE" : "TRUE",
      String(cookie["path"] ?? "/"),
      cookie["secure"] === true ? "TRUE" : "FALSE",
      String(expirySeconds(cookie)),
      cookie.key ?? "",
      cookie.value ?? ""
    ]
    text += `${fields.join("\t")}\n`
  }
  return text
}
