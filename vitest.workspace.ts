// The test projects: one per package with tests. vitest reads this list through
// vitest.config.ts (`test.projects`); it is kept here, where it always was.
export default [
  "packages/client",
  "packages/testing",
  "packages/testing/vitest.process.config.ts",
  "packages/cli",
  "packages/bench",
  "examples"
]
