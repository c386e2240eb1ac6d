/**
 * Testing your own program without a server: provide the mock layer instead
 * of `Requests.layer()`, answer from a handler, and inspect what was sent.
 */
import { HttpClient } from "@effect/platform"
import { MockHttpClient } from "@effect-requests/testing"
import { Effect } from "effect"

/** A program under test: looks a user up by id. */
export const userName = (id: number) =>
  HttpClient.get(`https://api.example/users/${id}`).pipe(
    Effect.flatMap((response) => response.json),
    Effect.map((body) => (body as { name: string }).name)
  )

/** Runs the program against a mock and reports the answer and the requests made. */
export const runWithMock = Effect.gen(function* () {
  const name = yield* userName(7)
  const requests = yield* Effect.flatMap(MockHttpClient.MockHttpClient, (mock) => mock.requests)
  return { name, urls: requests.map((request) => request.url) }
}).pipe(
  Effect.provide(
    MockHttpClient.layer((request) =>
      Effect.succeed({ status: 200, body: { name: `user of ${request.url}` } })
    )
  )
)
