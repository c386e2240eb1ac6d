import { configDefaults, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// The full adapter matrix (test/adapters) starts a client process per case: `npm run test:bench` runs it,
// with vitest.adapters.config.ts; `npm test` runs one case of it, in harness.test.ts.
export default mergeConfig(shared, {
  test: { exclude: [...configDefaults.exclude, "test/adapters/**"] }
})
