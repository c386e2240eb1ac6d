import { defineConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// Tests that count the resources of the whole process: a socket another file left closing would
// hide or add to what they count. vitest gives each project fresh workers. (Spread, not
// `mergeConfig`, which would add the file to the shared `include` rather than replace it.)
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    name: "@effect-requests/testing (whole process)",
    include: ["test/LeakCheck.test.ts"]
  }
})
