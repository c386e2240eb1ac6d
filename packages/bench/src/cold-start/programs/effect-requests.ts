// One GET through `Requests.layer()` and the platform's `HttpClient`, the body read, as a short-lived
// program writes it. Arguments: URL, expected body length.
import { Requests } from "@effect-requests/client"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"

const [url = "", bytes = "0"] = process.argv.slice(2)
const program = Effect.gen(function* () {
  const response = yield* HttpClient.get(url)
  const body = yield* response.arrayBuffer
  if (response.status !== 200 || body.byteLength !== Number(bytes)) {
    return yield* Effect.dieMessage(`effect-requests: ${response.status}, ${body.byteLength} bytes`)
  }
})
await Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Requests.layer())))
