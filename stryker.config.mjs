// @ts-check
/**
 * Mutation testing of the client, `npm run test:mutation`: every mutant of
 * `packages/client/src` that type-checks is run against the tests that cover
 * it (per-test coverage), and only mutants whose code or tests changed since
 * the last run are run again (incremental mode, its record kept in
 * `reports/mutation/`). For everyday use, narrow it to the files you changed:
 *
 *   npm run test:mutation -- --mutate "packages/client/src/internal/h2/codec/**\/*.ts"
 *
 * and to the tests that speak to them (globs under `packages/client`), keeping one test worker for
 * the whole run, which makes each mutant several times cheaper:
 *
 *   MUTATION_TESTS="test/internal/h1/*.test.ts" MUTATION_ISOLATE=false \
 *     npm run test:mutation -- --mutate packages/client/src/internal/h1/connection.ts --ignoreStatic
 *
 * One mutant at a time: the suite opens real sockets, and two cores are shared.
 *
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
const config = {
  mutate: ["packages/client/src/**/*.ts"],
  testRunner: "vitest",
  vitest: { configFile: "packages/client/vitest.mutation.config.ts", dir: "packages/client" },
  checkers: ["typescript"],
  tsconfigFile: "packages/client/tsconfig.json",
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: "reports/mutation/incremental.json",
  concurrency: 1,
  // Tests wait on real sockets: a mutant that hangs one is told apart from a slow machine by a wide margin.
  timeoutMS: 15_000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/report.json" },
  thresholds: { high: 90, low: 80, break: null }
}

export default config
