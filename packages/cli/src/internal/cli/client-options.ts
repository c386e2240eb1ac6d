/**
 * The client `ereq` builds from its flags: the layer's options (protocol,
 * TLS, proxy, `--resolve`) and the batteries stacked over it with curl's
 * defaults (no redirects without `-L`, no retries, no decompression without
 * `--compressed`, cookies only with `-b FILE` or `-c`).
 *
 * @internal
 */
import { readFileSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { Batteries, Cookies, Dialer, type Requests } from "@effect-requests/client"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { formatCookieFile, parseCookieFile } from "./cookie-file.js"
import { FileError, UsageError } from "./errors.js"
import type { Flags } from "./flags.js"
import { batteryListener, clientListener, type Sink } from "./verbose.js"

/** `ereq`'s version, printed by `--version` and sent in User-Agent. @internal */
export const VERSION = "0.1.0"

/** Seconds from the command line as a duration, at least a millisecond. @internal */
export const millis = (seconds: Option.Option<number>) =>
  Option.map(seconds, (s) => Duration.millis(Math.max(1, Math.round(s * 1000))))

const readOption = (path: string | undefined): Buffer | undefined => {
  if (path === undefined) return undefined
  try {
    return readFileSync(path)
  } catch (cause) {
    throw new FileError({ path, operation: "read", cause })
  }
}

/**
 * `--resolve host:port:addr[,addr…]`: the host name answered with the first
 * address. The client's lookup sees names, not ports, so the address serves
 * the name on any port.
 */
const resolveTable = (entries: ReadonlyArray<string>): Record<string, string> | undefined => {
  if (entries.length === 0) return undefined
  const table: Record<string, string> = {}
  for (const entry of entries) {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+|\*):(.+)$/.exec(entry)
    const address = match?.[3]?.split(",")[0]?.replace(/^\[(.*)\]$/, "$1")
    if (match === null || match[1] === undefined || address === undefined || address === "") {
      throw new UsageError({ detail: `--resolve ${entry}: expected host:port:address` })
    }
    table[match[1].replace(/^\[(.*)\]$/, "$1")] = address
  }
  return table
}

/**
 * The options of `Requests.layer` the flags ask for; `protocols` learns the
 * protocol of each endpoint's responses, for `-w %{http_version}` and `-i`.
 * Throws the `UsageError` or `FileError` that stops `ereq` before sending.
 *
 * @internal
 */
export const layerOptions = (
  flags: Flags,
  sink: Sink | undefined,
  protocols: Map<string, string>
): Requests.Options => {
  const ca = readOption(Option.getOrUndefined(flags.cacert))
  // -E: a PEM file with the certificate, and the key too unless --key names another file.
  const certPath = Option.getOrUndefined(flags.cert)
  const cert = readOption(certPath)
  const key = readOption(Option.getOrUndefined(flags.key) ?? certPath)
  const resolved = resolveTable(flags.resolve)
  const connect = Option.getOrUndefined(millis(flags.connectTimeout))
  const print = sink === undefined ? undefined : clientListener(sink)
  return {
    // ereq stacks the batteries itself, with curl's defaults (no redirects without -L, no retries, …).
    batteries: false,
    // As curl: the environment's proxies unless --proxy names one.
    proxy: Option.getOrElse(flags.proxy, (): "env" => "env"),
    // --http2 is the default: h2 by ALPN over TLS; plain http stays HTTP/1.1, as curl's
    // --http2 does against a server that does not take its Upgrade: h2c.
    protocol: flags.http11 ? "http1" : flags.http2PriorKnowledge ? "h2c" : "auto",
    tls: {
      rejectUnauthorized: !flags.insecure,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {})
    },
    ...(resolved !== undefined ? { lookup: Dialer.staticLookup(resolved) } : {}),
    ...(connect !== undefined ? { connectTimeout: connect, tlsHandshakeTimeout: connect } : {}),
    events: (event) => {
      if (event._tag === "ResponseHeaders") protocols.set(event.endpoint, event.protocol)
      print?.(event)
    }
  }
}

const credentials = (flags: Flags, urls: ReadonlyArray<URL>) => {
  if (!flags.digest || flags.user._tag === "None") return undefined
  const colon = flags.user.value.indexOf(":")
  const username = colon < 0 ? flags.user.value : flags.user.value.slice(0, colon)
  const password = colon < 0 ? "" : flags.user.value.slice(colon + 1)
  return Object.fromEntries(urls.map((url) => [url.origin, { username, password }]))
}

/** `-b NAME=VALUE`: sent as is in a Cookie header, as curl sends it. @internal */
export const cookieHeader = (flags: Flags): string | undefined => {
  const strings = flags.cookie.filter((value) => value.includes("="))
  return strings.length === 0 ? undefined : strings.join("; ")
}

/**
 * The jar of `-b FILE` (Netscape format; a file that cannot be read is
 * skipped, as curl skips it) and `-c`, or none: then no cookie is kept.
 *
 * @internal
 */
export const loadJar = (
  flags: Flags
): Effect.Effect<Cookies.CookieJar | undefined, Cookies.CookieStoreError> => {
  const files = flags.cookie.filter((value) => !value.includes("="))
  if (files.length === 0 && Option.isNone(flags.cookieJar)) return Effect.succeed(undefined)
  const cookies = files.flatMap((path) => {
    try {
      return parseCookieFile(readFileSync(path, "utf8")).cookies
    } catch {
      return []
    }
  })
  return Cookies.deserialize({ ...parseCookieFile(""), cookies })
}

/** `-c FILE`: the jar written in the Netscape format once every transfer has ended. @internal */
export const saveJar = (flags: Flags, jar: Cookies.CookieJar | undefined) => {
  const path = Option.getOrUndefined(flags.cookieJar)
  if (path === undefined || jar === undefined) return Effect.void
  return Effect.flatMap(Cookies.serialize(jar), (serialized) =>
    Effect.tryPromise({
      try: () => writeFile(path, formatCookieFile(serialized)),
      catch: (cause) => new FileError({ path, operation: "write", cause })
    })
  )
}

/** The batteries over the bare client, with curl's defaults. @internal */
export const withBatteries = (
  flags: Flags,
  urls: ReadonlyArray<URL>,
  sink: Sink | undefined,
  jar: Cookies.CookieJar | undefined
) => {
  const maxRedirs = Option.getOrElse(flags.maxRedirs, () => 50)
  const retries = Option.getOrElse(flags.retry, () => 0)
  const digest = credentials(flags, urls)
  return Batteries.batteries({
    defaultHeaders: { userAgent: `ereq/${VERSION}`, accept: "*/*" },
    redirects: flags.location && maxRedirs > 0 ? { max: maxRedirs } : false,
    retries: retries > 0 ? { retries } : false,
    decompression: flags.compressed,
    cookies: jar ?? false,
    ...(digest !== undefined ? { credentials: digest } : {}),
    ...(sink !== undefined ? { events: batteryListener(sink) } : {})
  })
}
