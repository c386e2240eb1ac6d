/**
 * curl's exit codes, each derived from the typed error that ended a transfer.
 *
 * @internal
 */
import type { Errors } from "@effect-requests/client"

/** An exit code and the message curl-style tools print with it. @internal */
export interface Outcome {
  readonly code: number
  readonly message: string
}

// OpenSSL's codes for a certificate that could not be verified: curl's 60.
const VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH"
])

type Tagged = { readonly _tag: string; readonly message: string; readonly [key: string]: unknown }

const isTagged = (value: unknown): value is Tagged =>
  typeof value === "object" && value !== null && "_tag" in value && typeof value._tag === "string"

const isTlsAlert = (cause: unknown): boolean =>
  typeof cause === "object" &&
  cause !== null &&
  "code" in cause &&
  typeof cause.code === "string" &&
  cause.code.startsWith("ERR_SSL_")

const clientCode = (error: Errors.RequestsError): number => {
  switch (error._tag) {
    case "ConnectError":
      if (error.code === "ETIMEDOUT") return 28
      return error.phase === "dns" ? 6 : 7
    case "TlsError":
      return error.code !== undefined && VERIFY_CODES.has(error.code) ? 60 : 35
    case "TimeoutError":
      return 28
    case "ProtocolError":
      return error.protocol === "h2" ? 16 : 8
    case "ClosedError":
      // A TLS alert read after the handshake (TLS 1.3 refusing a client certificate): curl's receive error.
      if (isTlsAlert(error.cause)) return 56
      if (error.phase === "request") return 55
      return error.responseStarted ? 56 : 52
    case "RequestBodyError":
      return 26
    case "InvalidRequestError":
      return error.reason === "InvalidUrl" ? 3 : 43
    case "ClientClosedError":
      return 42
    case "GoAwayError":
      return 16
    case "StreamResetError":
      return 92
    case "ProxyError":
      // curl's CURLE_PROXY: the proxy refused the tunnel or its handshake failed.
      return 97
    case "LimitExceededError":
      // curl's CURLE_FILESIZE_EXCEEDED, for every limit the client enforces.
      return 63
  }
}

const BY_TAG: Readonly<Record<string, number>> = {
  // ereq's own
  UsageError: 2,
  UrlError: 3,
  UnsupportedError: 1,
  HttpStatusError: 22,
  MaxTimeError: 28,
  RedirectLimitError: 47,
  // the batteries'
  TooManyRedirectsError: 47,
  RedirectLoopError: 47,
  RedirectDowngradeError: 1,
  InvalidRedirectError: 3,
  RedirectBodyError: 65,
  AuthBodyError: 65,
  DecompressionError: 61,
  DecompressionLimitError: 63,
  CookieStoreError: 26
}

const CLIENT_TAGS: ReadonlySet<string> = new Set<Errors.RequestsError["_tag"]>([
  "ConnectError",
  "TlsError",
  "TimeoutError",
  "ProtocolError",
  "ClosedError",
  "RequestBodyError",
  "InvalidRequestError",
  "ClientClosedError",
  "GoAwayError",
  "StreamResetError",
  "ProxyError",
  "LimitExceededError"
])

const isClientError = (value: Tagged): value is Tagged & Errors.RequestsError => CLIENT_TAGS.has(value._tag)

/**
 * The exit code of a failure. @effect/platform's `RequestError` and
 * `ResponseError` carry the client's typed error as their `cause`; it is the
 * cause that decides.
 *
 * @internal
 */
export const outcomeOf = (error: unknown): Outcome => {
  let current = error
  for (let depth = 0; depth < 4 && isTagged(current); depth++) {
    if (current._tag === "FileError") {
      return { code: current.operation === "read" ? 26 : 23, message: current.message }
    }
    if (isClientError(current)) return { code: clientCode(current), message: current.message }
    const code = BY_TAG[current._tag]
    if (code !== undefined) return { code, message: current.message }
    if ((current._tag === "RequestError" || current._tag === "ResponseError") && isTagged(current.cause)) {
      current = current.cause
      continue
    }
    // A request or response that failed with no typed cause underneath.
    if (current._tag === "ResponseError") return { code: 56, message: current.message }
    if (current._tag === "RequestError") return { code: 55, message: current.message }
    break
  }
  return { code: 1, message: current instanceof Error ? current.message : String(current) }
}
