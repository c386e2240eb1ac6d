import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import { Dialer, Requests } from "@effect-requests/client"
import { LeakCheck, TestCerts } from "@effect-requests/testing"
import { Effect, Option } from "effect"

/** The client's `protocol` option. */
export type Protocol = NonNullable<Requests.Options["protocol"]>

/** Every server is reached by this name, so TLS checks it against the certificate and sends it as SNI. */
export const host = "a.test"

export const url = (scheme: "http" | "https", port: number, path: string): string =>
  `${scheme}://${host}:${port}${path}`

/**
 * Runs `effect` with a client of its own, trusting the test CA and resolving {@link host} to loopback,
 * then checks that closing the client left no socket or timer behind. Servers are started before, so
 * the baseline includes them.
 */
export const withClient = <A, E, R>(
  options: Requests.Options,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | LeakCheck.LeakError, Exclude<R, HttpClient.HttpClient | Requests.Requests>> =>
  LeakCheck.around(
    Effect.provide(
      effect,
      Requests.layer({
        lookup: Dialer.staticLookup({ [host]: "127.0.0.1" }),
        ...options,
        tls: { ca: TestCerts.ca, ...options.tls }
      })
    )
  )

export const stats = Effect.flatMap(Requests.Requests, (requests) => requests.stats)

/** The pools that carried requests, in a shape that reads well in an assertion. */
export const pools = Effect.map(stats, (s) => ({
  h1Connections: s.h1.created,
  h2Connections: Option.match(s.h2, { onNone: () => 0, onSome: (h2) => h2.connections }),
  h2Streams: Option.match(s.h2, { onNone: () => 0, onSome: (h2) => h2.totalStreams })
}))

export interface Received {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

const receive = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(response.arrayBuffer, (buffer): Received => ({
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(buffer)
  }))

/** GET, with an `x-request-id` when given, and the whole body read. */
export const get = (target: string, requestId?: string) =>
  HttpClient.execute(
    requestId === undefined
      ? HttpClientRequest.get(target)
      : HttpClientRequest.get(target).pipe(HttpClientRequest.setHeader("x-request-id", requestId))
  ).pipe(Effect.flatMap(receive))

/** Sends `request` and reads the whole response body. */
export const send = (request: HttpClientRequest.HttpClientRequest) =>
  HttpClient.execute(request).pipe(Effect.flatMap(receive))

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8")

/** The client's own typed error behind a platform error, in one line. */
export const describeFailure = (error: HttpClientError.HttpClientError): string => {
  const cause: unknown = error.cause
  return typeof cause === "object" &&
    cause !== null &&
    "message" in cause &&
    typeof cause.message === "string"
    ? `${error._tag}: ${cause.message}`
    : error.message
}
