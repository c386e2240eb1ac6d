/**
 * An in-memory `HttpClient.HttpClient` for testing programs that depend on
 * one: every request is answered by a handler and recorded, no socket is
 * opened.
 *
 * The client is built with `HttpClient.make`, like real ones, so URL
 * validation, tracing and trace-context propagation behave as in production:
 * recorded requests carry the `traceparent` / `b3` headers a real transport
 * would send, unless the program disables propagation.
 *
 * @example
 * ```ts
 * const TestHttp = MockHttpClient.layer((request) =>
 *   Effect.succeed(request.url.endsWith("/user") ? { body: { name: "Ada" } } : { status: 404 })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"

/**
 * A response described by its parts; every part is optional.
 *
 * @since 0.1.0
 */
export interface MockResponse {
  /** Defaults to 200. */
  readonly status?: number
  /** Give an array to repeat a header, e.g. several Set-Cookie. */
  readonly headers?: Readonly<Record<string, string | ReadonlyArray<string>>>
  /**
   * A string is sent as text, a `Uint8Array` as bytes, `undefined` as no
   * body, anything else as JSON (with `Content-Type: application/json`
   * unless `headers` sets one).
   */
  readonly body?: unknown
}

/**
 * Answers one request: with a {@link MockResponse}, with a full
 * `HttpClientResponse`, or with a failure. A failure that is already an
 * `HttpClientError` is passed through as is; any other becomes a
 * `RequestError` with reason `"Transport"` and the failure as `cause`, as a
 * network error would. So does a {@link MockResponse} that {@link response}
 * cannot build, with the thrown error as `cause`.
 *
 * @since 0.1.0
 */
export type Handler = (
  request: HttpClientRequest.HttpClientRequest
) => Effect.Effect<MockResponse | HttpClientResponse.HttpClientResponse, unknown>

/**
 * Access to what the mock client has seen, provided next to
 * `HttpClient.HttpClient` by {@link layer}.
 *
 * @since 0.1.0
 */
export class MockHttpClient extends Context.Tag("@effect-requests/testing/MockHttpClient")<
  MockHttpClient,
  {
    /** The requests executed so far, oldest first, as the transport received them. */
    readonly requests: Effect.Effect<ReadonlyArray<HttpClientRequest.HttpClientRequest>>
    /** Forgets the recorded requests. */
    readonly reset: Effect.Effect<void>
  }
>() {}

/**
 * Builds the `HttpClientResponse` a {@link MockResponse} describes.
 *
 * Throws, like the `Response` constructor it relies on, for a status outside
 * 200-599 or a body on a status that cannot have one (204, 205, 304).
 *
 * @since 0.1.0
 */
export const response = (
  request: HttpClientRequest.HttpClientRequest,
  mock: MockResponse
): HttpClientResponse.HttpClientResponse => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(mock.headers ?? {})) {
    for (const item of typeof value === "string" ? [value] : value) headers.append(name, item)
  }
  return HttpClientResponse.fromWeb(
    request,
    new Response(encodeBody(mock.body, headers), { status: mock.status ?? 200, headers })
  )
}

const encodeBody = (body: unknown, headers: Headers): ConstructorParameters<typeof Response>[0] => {
  if (body === undefined) return null
  if (typeof body === "string" || body instanceof Uint8Array) return body
  if (!headers.has("content-type")) headers.set("content-type", "application/json")
  return JSON.stringify(body)
}

const isResponse = (u: unknown): u is HttpClientResponse.HttpClientResponse =>
  Predicate.hasProperty(u, HttpClientResponse.TypeId)

/**
 * Provides `HttpClient.HttpClient`, answered by `handler`, and
 * {@link MockHttpClient} to inspect the requests. Each build of the layer
 * starts with an empty record.
 *
 * @since 0.1.0
 */
export const layer = (handler: Handler): Layer.Layer<HttpClient.HttpClient | MockHttpClient> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const recorded = yield* Ref.make<ReadonlyArray<HttpClientRequest.HttpClientRequest>>([])
      const client = HttpClient.make((request) =>
        Ref.update(recorded, (requests) => [...requests, request]).pipe(
          Effect.zipRight(handler(request)),
          Effect.flatMap((answer) =>
            isResponse(answer)
              ? Effect.succeed(answer)
              : Effect.try({ try: () => response(request, answer), catch: (error) => error })
          ),
          Effect.mapError((cause) =>
            HttpClientError.isHttpClientError(cause)
              ? cause
              : new HttpClientError.RequestError({ request, reason: "Transport", cause })
          )
        )
      )
      return Context.make(HttpClient.HttpClient, client).pipe(
        Context.add(MockHttpClient, { requests: Ref.get(recorded), reset: Ref.set(recorded, []) })
      )
    })
  )
