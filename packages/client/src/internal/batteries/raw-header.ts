/**
 * One response header read without making the response's `headers`.
 *
 * The client's own responses build their platform `Headers` when first
 * asked for them, which costs more than the rest of a battery's work on a
 * plain response. They offer the parsed fields under {@link RawFields}
 * instead; other responses are read through `headers`.
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"

/** The key under which a response may offer its header fields as parsed, keyed in lower case. */
export const RawFields: unique symbol = Symbol.for("@effect-requests/client/RawFields")

/** A response offering its parsed header fields (`set-cookie` apart). */
export interface WithRawFields {
  readonly [RawFields]: Readonly<Record<string, string>>
}

const offers = (response: object): response is WithRawFields => RawFields in response

/** The value of the header `name` (lower case, not `set-cookie`), or `undefined`. */
export const responseHeader = (
  response: HttpClientResponse.HttpClientResponse,
  name: string
): string | undefined => (offers(response) ? response[RawFields][name] : response.headers[name])
