/**
 * The batteries' own cost, without a network: CPU microseconds per request
 * through `Batteries.batteries` over a client that answers at once with a
 * plain 200, against the same client bare, and with one battery left out
 * at a time.
 *
 * Run with `npx tsx packages/bench/src/micro/batteries-overhead.ts [requests]`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import { Batteries } from "@effect-requests/client"

const requests = Number(process.argv[2] ?? 200_000)

const answer = (request: HttpClientRequest.HttpClientRequest) =>
  HttpClientResponse.fromWeb(request, new Response(null, { status: 200 }))

const bare = HttpClient.makeWith(
  (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
    Effect.map(effect, (request) => answer(request)),
  Effect.succeed
)

const events = () => undefined
const variants: ReadonlyArray<readonly [string, HttpClient.HttpClient.With<unknown>]> = [
  ["bare", bare],
  ["all", Batteries.batteries({ events })(bare)],
  ["no decompression", Batteries.batteries({ events, decompression: false })(bare)],
  ["no retries", Batteries.batteries({ events, retries: false })(bare)],
  ["no redirects", Batteries.batteries({ events, redirects: false })(bare)],
  [
    "headers only",
    Batteries.batteries({ events, decompression: false, retries: false, redirects: false })(bare)
  ]
]

const run = (client: HttpClient.HttpClient.With<unknown>) =>
  Effect.runSync(
    Effect.forEach(
      Array.from({ length: requests }),
      () => Effect.ignore(client.get("http://127.0.0.1:8080/1k")),
      {
        discard: true
      }
    )
  )

for (let round = 0; round < 3; round++) {
  const line: Array<string> = []
  for (const [name, client] of variants) {
    const before = process.cpuUsage()
    run(client)
    const used = process.cpuUsage(before)
    line.push(`${name} ${((used.user + used.system) / requests).toFixed(2)}`)
  }
  console.log(`µs CPU/request: ${line.join(" | ")}`)
}
