import { configDefaults, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// LeakCheck's own tests count what the whole process holds open, so they run in a project of their
// own (vitest.process.config.ts), whose workers no other file has used.
export default mergeConfig(shared, {
  test: { exclude: [...configDefaults.exclude, "test/LeakCheck.test.ts"] }
})
