import { configDefaults, defineConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// The client's tests as `npm run test:mutation` runs them against each mutant: all but the soak, whose
// 20,000 requests say nothing a mutant's covering tests would not, at many times their cost. Code
// instrumented for mutants and per-test coverage runs several times slower, the property tests most;
// a mutant that hangs a test is caught by Stryker's own timeout, set from each test's dry-run time.
//
// `MUTATION_TESTS` (comma-separated globs under `packages/client`) narrows the run to a module's own
// tests. Each run then loads far less, so a pure module such as a codec is measured in minutes, not
// hours. A mutant those tests kill the whole suite kills too: a narrowed score can only be low.
const narrowed = process.env.MUTATION_TESTS?.split(",")
  .map((glob) => glob.trim())
  .filter((glob) => glob !== "")

// Spread, not `mergeConfig`: that would add the narrowed globs to the full list instead of replacing it.
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    ...(narrowed === undefined || narrowed.length === 0 ? {} : { include: narrowed }),
    // One worker kept for every mutant of the run: each mutant then costs its covering tests, not a
    // fresh load of effect and the test files. Mutants are switched at run time, so cached modules
    // serve them all; static ones (module-level tables) cannot be, and want `--ignoreStatic`.
    isolate: process.env.MUTATION_ISOLATE !== "false",
    exclude: [...configDefaults.exclude, "test/soak/**"],
    testTimeout: 60_000
  }
})
