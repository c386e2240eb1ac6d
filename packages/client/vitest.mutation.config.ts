import { configDefaults, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// The client's tests as `npm run test:mutation` runs them against each mutant: all but the soak, whose
// 20,000 requests say nothing a mutant's covering tests would not, at many times their cost. Code
// instrumented for mutants and per-test coverage runs several times slower, the property tests most;
// a mutant that hangs a test is caught by Stryker's own timeout, set from each test's dry-run time.
export default mergeConfig(shared, {
  test: { exclude: [...configDefaults.exclude, "test/soak/**"], testTimeout: 60_000 }
})
