/**
 * `npm start`: runs the examples against servers started on loopback, so no
 * network is needed.
 */
import { Requests } from "@effect-requests/client"
import { HttpTestServer, TestCerts } from "@effect-requests/testing"
import { Console, Effect } from "effect"
import { getJson } from "./get-json.js"
import { runWithMock } from "./mock-client.js"
import { describeOutcome } from "./typed-errors.js"

const demo = Effect.gen(function* () {
  const plain = yield* HttpTestServer.make()
  const secure = yield* HttpTestServer.make({ tls: true })

  yield* Console.log(`plain HTTP/1.1 at ${plain.url}, HTTPS at https://localhost:${secure.port}\n`)
  yield* Console.log(`get-json:       ${yield* getJson(plain.url)}`)
  yield* Console.log(
    `https:          ${yield* describeOutcome(`https://localhost:${secure.port}/bytes/1024`)}`
  )
  yield* Console.log(`closed mid-body ${yield* describeOutcome(`${plain.url}/hang-body/100000`)}`)
  yield* Console.log(`refused:        ${yield* describeOutcome("http://127.0.0.1:1/")}`)
  const mocked = yield* runWithMock
  yield* Console.log(`mock-client:    ${mocked.name} (requests: ${mocked.urls.join(", ")})`)

  const burst = yield* Effect.forEach(
    Array.from({ length: 100 }, (_, i) => i),
    () => describeOutcome(`${plain.url}/bytes/1024`),
    { concurrency: 10 }
  )
  const stats = yield* Effect.flatMap(Requests.Requests, (r) => r.stats)
  yield* Console.log(
    `\n${burst.length} concurrent GETs over ${plain.stats.connectionsOpened} connections; ` +
      `${stats.requestsMade} requests made in all`
  )
})

demo
  .pipe(Effect.scoped, Effect.provide(Requests.layer({ tls: { ca: TestCerts.ca } })), Effect.runPromise)
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
