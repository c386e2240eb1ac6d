/**
 * Every client adapter in every setting a scenario uses it with, each in its
 * own process against the harness's Node server. Run by `npm run test:bench`;
 * `npm test` runs one of them (harness.test.ts).
 */
import { afterAll, beforeAll, describe, it } from "vitest"
import {
  adapterCases,
  adapterCaseTimeout,
  expectAdapterCompletes,
  type Harness,
  harnessStartTimeout,
  startHarness
} from "../support/adapters.js"

describe("client adapters against the harness's Node server", () => {
  let harness: Harness
  beforeAll(async () => {
    harness = await startHarness()
  }, harnessStartTimeout)
  afterAll(() => harness.server.stop())

  it.each(adapterCases)(
    "$name completes its requests in its own process",
    (entry) => expectAdapterCompletes(harness, entry),
    adapterCaseTimeout
  )
})
