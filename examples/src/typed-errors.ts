/**
 * Every failure is typed: the platform error says which side failed, and its
 * cause says what happened, where, and in which phase.
 */
import { HttpClient } from "@effect/platform"
import type { Errors } from "@effect-requests/client"
import { Effect } from "effect"

/** Describes why a request failed, or what it got. */
export const describeOutcome = (url: string) =>
  HttpClient.get(url).pipe(
    Effect.flatMap((response) => response.text),
    Effect.map((text) => `ok: ${text.length} bytes`),
    Effect.catchTags({
      RequestError: (error) => Effect.succeed(describe(error.cause as Errors.RequestsError)),
      ResponseError: (error) =>
        Effect.succeed(`the body failed: ${describe(error.cause as Errors.RequestsError)}`)
    })
  )

const describe = (cause: Errors.RequestsError): string => {
  switch (cause._tag) {
    case "ConnectError":
      return `cannot reach ${cause.endpoint} (${cause.code ?? "unknown"})`
    case "TimeoutError":
      return `${cause.phase} timed out after ${cause.timeoutMillis} ms`
    case "ClosedError":
      return `${cause.endpoint} closed the connection during ${cause.phase}`
    case "ProtocolError":
      return `${cause.endpoint} broke the protocol: ${cause.reason}`
    default:
      return cause.message
  }
}
