/**
 * What the errors our engine raises mean to the exchanges they end: a
 * stream error of the codec's becomes the limit it enforces or the rule the
 * server broke; a connection error, the rule that ended the connection.
 * Either way the error says our side acted.
 *
 * @internal
 */
import { LimitExceededError, type Phase, ProtocolError, type RequestsError } from "../../../Errors.js"
import type { H2ConnectionError, H2StreamError } from "../codec/errors.js"
import type { ResolvedH2Options } from "../options.js"

/** The error of a stream our engine reset because the server broke a rule of it. @internal */
export const localStreamError = (
  endpoint: string,
  phase: Phase,
  error: H2StreamError,
  options: ResolvedH2Options
): RequestsError => {
  switch (error.reason) {
    case "HeaderListTooLarge":
      return new LimitExceededError({
        endpoint,
        protocol: "h2",
        phase: "headers",
        limit: "maxHeaderListSize",
        value: options.maxHeaderListSize,
        detail: error.detail
      })
    case "InterimFlood":
      return new LimitExceededError({
        endpoint,
        protocol: "h2",
        phase: "headers",
        limit: "maxInterimResponses",
        value: options.maxInterimResponses,
        detail: `more than ${options.maxInterimResponses} interim responses`
      })
    default:
      return new ProtocolError({
        endpoint,
        protocol: "h2",
        phase,
        reason: error.reason,
        detail: error.detail
      })
  }
}

/** The error of an exchange on a connection our engine ended because the server broke the protocol. @internal */
export const connectionProtocolError = (
  endpoint: string,
  phase: Phase,
  error: H2ConnectionError
): ProtocolError =>
  new ProtocolError({ endpoint, protocol: "h2", phase, reason: error.reason, detail: error.detail })
