/**
 * The smallest useful program: GET a JSON document and decode it with a schema.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Schema } from "effect"

const Echo = Schema.Struct({ method: Schema.String, url: Schema.String })

/** Asks the server to echo the request back, and decodes the answer. */
export const getJson = (baseUrl: string) =>
  HttpClient.get(`${baseUrl}/echo?from=example`).pipe(
    Effect.flatMap(HttpClientResponse.schemaBodyJson(Echo)),
    Effect.map((echo) => `${echo.method} ${echo.url}`)
  )
